/**
 * The stand-in DMS's replication tasks: create, start, stop and delete with DMS's checks and
 * faults, each backed by a replication engine (task-host.ts) that really moves rows, and the
 * task's log lines in the stand-in's CloudWatch Logs.
 */
import type { DmsPort } from "../../adapters/aws/ports.js";
import { errorMessage } from "../../core/errors.js";
import { parseTableMappings } from "../table-mappings.js";
import { parseTaskSettings } from "../task-settings.js";
import { type TaskRecordRef, dmsResourceId } from "./account.js";
import { type DmsParts, lower, values } from "./dms-common.js";
import { asAwsFaults, awsFault } from "./faults.js";

type TaskCalls = Pick<
  DmsPort,
  "describeReplicationTasks" | "createReplicationTask" | "startReplicationTask" | "stopReplicationTask" | "deleteReplicationTask" | "describeTableStatistics"
>;

export function taskLogGroup(instanceId: string): string {
  return `dms-tasks-${instanceId.toLowerCase()}`;
}

export function taskLogStream(taskArn: string): string {
  return `dms-task-${taskArn.split(":").pop() ?? taskArn}`;
}

/**
 * DMS's rules for a CDC start point (docs/dms-notes.md §18): CdcStartPosition or CdcStartTime,
 * not both; a PostgreSQL source takes no CdcStartTime; a start point only on a cdc task (the
 * fault's name and wording are the stand-in's).
 */
function checkCdcStart(migrationType: string | undefined, input: { CdcStartPosition?: string | undefined; CdcStartTime?: Date | undefined }): void {
  const position = input.CdcStartPosition !== undefined && input.CdcStartPosition !== "";
  if (position && input.CdcStartTime !== undefined) {
    throw awsFault("InvalidParameterCombinationException", "Use either CdcStartPosition or CdcStartTime to say where CDC starts, not both.");
  }
  if (input.CdcStartTime !== undefined) {
    throw awsFault("InvalidParameterValueException", "A PostgreSQL source does not support a CDC start time (CdcStartTime); give CdcStartPosition.");
  }
  if (position && migrationType !== "cdc") {
    throw awsFault("InvalidParameterCombinationException", `CdcStartPosition is valid only for a task with MigrationType cdc, not ${migrationType ?? "(none)"}.`);
  }
}

export class StandinDmsTasks implements TaskCalls {
  constructor(private readonly p: DmsParts) {}

  private get data() {
    return this.p.account.data;
  }

  private now(): number {
    return this.p.clock.now().getTime();
  }

  // ---- tasks -------------------------------------------------------------------------------

  private taskByArn(arn: string | undefined): TaskRecordRef {
    const t = arn ? this.data.tasks[arn] : undefined;
    if (!t) throw awsFault("ResourceNotFoundFault", `Replication task ${arn ?? ""} not found.`);
    return t;
  }

  private logTo(t: TaskRecordRef): (line: string) => void {
    const instance = Object.values(this.data.replicationInstances).find((i) => i.arn === t.instanceArn);
    return (line) => {
      const at = this.now();
      this.p.account.log(taskLogGroup(instance?.id ?? "unknown"), taskLogStream(t.arn), at, `${new Date(at).toISOString()} ${line}`);
      void this.p.account.save();
    };
  }

  private describeTask(t: TaskRecordRef, withSettings = true) {
    return this.p.tasks.describe(t, withSettings, this.logTo(t));
  }

  describeReplicationTasks: DmsPort["describeReplicationTasks"] = async (input) => {
    const arns = values(input.Filters, "replication-task-arn");
    const ids = values(input.Filters, "replication-task-id")?.map(lower);
    const candidates = Object.values(this.data.tasks).filter((t) => (!arns || arns.includes(t.arn)) && (!ids || ids.includes(t.id)));
    const found = [];
    for (const t of candidates) {
      try {
        found.push(await this.describeTask(t, input.WithoutSettings !== true));
      } catch (err) {
        // Deleted meanwhile (its engine is gone): not listed, as DMS lists it no more.
        if ((err as Error).name !== "ResourceNotFoundFault") throw err;
      }
    }
    if ((arns || ids) && found.length === 0) throw awsFault("ResourceNotFoundFault", "No Tasks found matching provided filters.");
    return { ReplicationTasks: found };
  };

  createReplicationTask: DmsPort["createReplicationTask"] = async (input) => {
    const id = lower(input.ReplicationTaskIdentifier);
    if (Object.values(this.data.tasks).some((t) => t.id === id)) throw awsFault("ResourceAlreadyExistsFault", `The replication task ${id} already exists.`);
    const instance = this.p.instanceByArn(input.ReplicationInstanceArn);
    const source = Object.values(this.data.endpoints).find((e) => e.arn === input.SourceEndpointArn && e.type === "source");
    const target = Object.values(this.data.endpoints).find((e) => e.arn === input.TargetEndpointArn && e.type === "target");
    if (!source || !target) throw awsFault("ResourceNotFoundFault", "The source or target endpoint of the task was not found.");
    if (input.MigrationType !== "full-load-and-cdc" && input.MigrationType !== "cdc") {
      throw awsFault("InvalidParameterValueException", `The local stand-in runs full-load-and-cdc and cdc tasks only, not ${input.MigrationType ?? "(none)"}.`);
    }
    checkCdcStart(input.MigrationType, input);
    const slotSetting = source.settings["SlotName"];
    const namedSlot = typeof slotSetting === "string" && slotSetting ? slotSetting : undefined;
    if (input.MigrationType === "cdc" && !namedSlot) {
      throw awsFault("InvalidParameterValueException", "The local stand-in runs a cdc task only from an existing slot: name it in the source endpoint's PostgreSQLSettings.SlotName.");
    }
    const settings = input.ReplicationTaskSettings ?? "";
    const mappings = input.TableMappings ?? "";
    // Bad settings or mappings are refused at create time, as DMS does.
    await asAwsFaults(() => {
      parseTaskSettings(settings);
      parseTableMappings(mappings);
    });
    const resourceId = dmsResourceId();
    const record: TaskRecordRef = {
      id,
      arn: this.p.account.arn("dms", "task", resourceId),
      sourceEndpointArn: source.arn,
      targetEndpointArn: target.arn,
      instanceArn: instance.arn,
      migrationType: input.MigrationType,
      tableMappings: mappings,
      settings,
      // DMS names the slot itself when the endpoint does not.
      slotName: namedSlot ?? `${resourceId.toLowerCase()}_standin`,
      ...(input.CdcStartPosition ? { cdcStartPosition: input.CdcStartPosition } : {}),
      storePath: `${this.p.account.path.replace(/\.json$/, "")}.task-${resourceId}.json`,
      tags: input.Tags ?? [],
    };
    this.data.tasks[record.arn] = record;
    await this.p.account.save();
    await asAwsFaults(() => this.p.tasks.create(record));
    return { ReplicationTask: await this.describeTask(record) };
  };

  startReplicationTask: DmsPort["startReplicationTask"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const type = input.StartReplicationTaskType;
    if (type !== "start-replication" && type !== "resume-processing" && type !== "reload-target") {
      throw awsFault("InvalidParameterValueException", `StartReplicationTaskType ${String(type)} is not valid.`);
    }
    checkCdcStart(t.migrationType, input);
    const engine = await this.p.tasks.engine(t);
    await asAwsFaults(() => engine.start(type, input.CdcStartPosition ? { cdcStartPosition: input.CdcStartPosition } : {}));
    return { ReplicationTask: await this.describeTask(t) };
  };

  stopReplicationTask: DmsPort["stopReplicationTask"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const engine = await this.p.tasks.engine(t);
    await asAwsFaults(() => engine.stop());
    return { ReplicationTask: await this.describeTask(t) };
  };

  deleteReplicationTask: DmsPort["deleteReplicationTask"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const engine = await this.p.tasks.engine(t);
    if (t.deletingSince !== undefined) return { ReplicationTask: await this.describeTask(t) };
    if (["running", "starting", "stopping"].includes(engine.status)) {
      throw awsFault("InvalidResourceStateFault", `Replication task ${t.id} is ${engine.status}; stop it before deleting it.`);
    }
    t.deletingSince = this.now();
    await this.p.account.save();
    const shown = await this.describeTask(t);
    // As DMS: the call returns at once ("deleting"); the task disappears when the work is done.
    void engine.delete().then(
      async () => {
        delete this.data.tasks[t.arn];
        this.p.tasks.forget(t.arn);
        await this.p.account.save();
      },
      async (err: unknown) => {
        delete t.deletingSince;
        this.logTo(t)(`[TASK_MANAGER    ]E:  Deleting the task failed: ${errorMessage(err)}  (stand-in)`);
        await this.p.account.save();
      },
    );
    return { ReplicationTask: shown };
  };

  describeTableStatistics: DmsPort["describeTableStatistics"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const engine = await this.p.tasks.engine(t);
    return { ReplicationTaskArn: t.arn, TableStatistics: await engine.tableStatistics() };
  };

  /** CDC latency of a task named by its CloudWatch dimensions (instance id, task resource id). */
  async latencyOf(instanceId: string, taskResourceId: string): Promise<{ source: number; target: number } | undefined> {
    const t = Object.values(this.data.tasks).find((x) => x.arn.endsWith(`:${taskResourceId}`));
    const instance = Object.values(this.data.replicationInstances).find((i) => i.arn === t?.instanceArn);
    if (!t || instance?.id !== instanceId || t.deletingSince !== undefined) return undefined;
    const engine = await this.p.tasks.engine(t).catch(() => undefined);
    return engine?.cdcLatency();
  }
}
