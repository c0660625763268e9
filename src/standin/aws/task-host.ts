/**
 * The stand-in DMS's tasks: each one a ReplicationEngine, configured from what
 * CreateReplicationTask was given (kept in the account file) and the endpoints it names. An
 * engine lives in this process only; a process started later opens it again from its record
 * (`ReplicationEngine.open`), which reconciles with what the databases hold.
 */
import type { ReplicationTask } from "@aws-sdk/client-database-migration-service";
import { type Clock, systemClock } from "../../core/clock.js";
import type { PgEndpoint } from "../endpoint.js";
import { ReplicationEngine, type ReplicationEngineConfig } from "../replication-engine.js";
import { FileTaskStore } from "../task-record.js";
import { parseTaskSettings } from "../task-settings.js";
import type { EndpointRecord, StandinAccount, TaskRecordRef } from "./account.js";
import { type SecretSource, endpointLogin } from "./endpoint-login.js";
import { awsFault } from "./faults.js";

export interface TaskHostOptions {
  clock?: Clock;
  /** Passwords of endpoints by ARN, for this process only. */
  passwords: Map<string, string>;
  /** Secrets and roles, for endpoints that log in through a secret. */
  secrets: SecretSource;
  /** The PEM file of an imported certificate, for endpoints that verify their server (verify-ca/verify-full). */
  rootCert: (certificateArn: string) => string;
  /** Pause before each table of a full load (ms), to watch or interrupt it. Default 0. */
  tableDelayMs?: number;
  /** How long a new task stays `creating`. */
  creatingMs?: number;
}

export class TaskHost {
  private readonly engines = new Map<string, Promise<ReplicationEngine | undefined>>();
  private readonly lastStatus = new Map<string, string>();
  private readonly clock: Clock;

  constructor(
    private readonly account: StandinAccount,
    private readonly o: TaskHostOptions,
  ) {
    this.clock = o.clock ?? systemClock;
  }

  pgEndpoint(e: EndpointRecord): PgEndpoint {
    return endpointLogin(e, this.o.passwords.get(e.arn), this.o.secrets, this.o.rootCert);
  }

  private endpointByArn(arn: string): EndpointRecord {
    const e = Object.values(this.account.data.endpoints).find((x) => x.arn === arn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${arn} not found.`);
    return e;
  }

  config(t: TaskRecordRef): ReplicationEngineConfig {
    return {
      taskId: t.id,
      source: this.pgEndpoint(this.endpointByArn(t.sourceEndpointArn)),
      target: this.pgEndpoint(this.endpointByArn(t.targetEndpointArn)),
      tableMappings: t.tableMappings,
      settings: parseTaskSettings(t.settings),
      slotName: t.slotName,
      ...(t.migrationType === "cdc" ? { migrationType: "cdc" as const } : {}),
      ...(t.cdcStartPosition === undefined ? {} : { cdcStartPosition: t.cdcStartPosition }),
    };
  }

  private engineOptions(t: TaskRecordRef) {
    return {
      store: new FileTaskStore(t.storePath),
      clock: this.clock,
      ...(this.o.tableDelayMs ? { tableDelayMs: this.o.tableDelayMs } : {}),
      ...(this.o.creatingMs !== undefined ? { creatingMs: this.o.creatingMs } : {}),
    };
  }

  async create(t: TaskRecordRef): Promise<ReplicationEngine> {
    const engine = ReplicationEngine.create(this.config(t), this.engineOptions(t));
    this.engines.set(t.arn, engine);
    return engine;
  }

  /** The task's engine: this process's, or the one recorded by an earlier process. */
  async engine(t: TaskRecordRef): Promise<ReplicationEngine> {
    let engine = this.engines.get(t.arn);
    if (!engine) {
      engine = ReplicationEngine.open(this.config(t), this.engineOptions(t));
      this.engines.set(t.arn, engine);
      engine.catch(() => this.engines.delete(t.arn));
    }
    const found = await engine;
    if (!found) throw awsFault("ResourceNotFoundFault", `Replication task ${t.id} not found.`);
    return found;
  }

  forget(arn: string): void {
    this.engines.delete(arn);
  }

  /** DescribeReplicationTasks' item for one task, noting status changes in its log. */
  async describe(t: TaskRecordRef, withSettings: boolean, logStream: (line: string) => void): Promise<ReplicationTask> {
    const base: ReplicationTask = {
      ReplicationTaskIdentifier: t.id,
      ReplicationTaskArn: t.arn,
      SourceEndpointArn: t.sourceEndpointArn,
      TargetEndpointArn: t.targetEndpointArn,
      ReplicationInstanceArn: t.instanceArn,
      MigrationType: t.migrationType as ReplicationTask["MigrationType"],
      TableMappings: t.tableMappings,
      ...(withSettings ? { ReplicationTaskSettings: t.settings } : {}),
    };
    const d = (await this.engine(t)).describe();
    const status = t.deletingSince === undefined ? d.Status : "deleting";
    const before = this.lastStatus.get(t.arn);
    if (before !== status) {
      this.lastStatus.set(t.arn, status);
      logStream(`[TASK_MANAGER    ]I:  Task '${t.id}' is ${status}${d.StopReason ? ` (${d.StopReason})` : ""}  (stand-in)`);
      if (status === "failed" && d.LastFailureMessage) logStream(`[TASK_MANAGER    ]E:  ${d.LastFailureMessage}  (stand-in)`);
    }
    return { ...base, ...d, Status: status };
  }

  /** Lets go of this process's engines (the tasks carry on as recorded). */
  async close(): Promise<void> {
    const engines = await Promise.all([...this.engines.values()].map((e) => e.catch(() => undefined)));
    this.engines.clear();
    await Promise.all(engines.map((e) => (e ? e.close() : Promise.resolve())));
  }
}
