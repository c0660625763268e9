/**
 * The stand-in for AWS DMS: replication subnet groups, replication instances (on this machine:
 * private address 127.0.0.1), endpoints with DMS's connection test (verifying the server against
 * an imported CA certificate for verify-ca/verify-full, dms-certificates.ts), and full-load-and-cdc tasks
 * that really move rows (task-host.ts, the replication engine). Shapes, statuses, fault names
 * and ARNs are DMS's, so the wizard's steps cannot tell this from the service.
 */
import type {
  Connection,
  Endpoint,
  Filter,
  ReplicationInstance,
  ReplicationSubnetGroup,
} from "@aws-sdk/client-database-migration-service";
import type { DmsPort } from "../../adapters/aws/ports.js";
import { type Clock, systemClock } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import { testEndpointConnection } from "../connection-test.js";
import { parseTableMappings } from "../table-mappings.js";
import { parseTaskSettings } from "../task-settings.js";
import { type EndpointRecord, LOCAL_VPC, type ReplicationInstanceRecord, type StandinAccount, type TaskRecordRef, dmsResourceId } from "./account.js";
import type { StandinCertificates } from "./dms-certificates.js";
import { type SecretSource, roleProblem, secretSettings } from "./endpoint-login.js";
import { answer, asAwsFaults, awsFault } from "./faults.js";
import type { TaskHost } from "./task-host.js";

export interface StandinDmsOptions {
  clock?: Clock;
  /** How long a replication instance takes to become available, or to go once deleted (ms). */
  settleMs: number;
  /** Passwords of endpoints by ARN, for this process only (never written anywhere). */
  passwords: Map<string, string>;
  /** Secrets and roles, for endpoints that log in through a secret. */
  secrets: SecretSource;
  /** Imported CA certificates, for endpoints that verify their server. */
  certificates: StandinCertificates;
}

function values(filters: Filter[] | undefined, name: string): string[] | undefined {
  return filters?.find((f) => f.Name === name)?.Values;
}

/** DMS stores identifiers in lower case. */
const lower = (id: string | undefined): string => (id ?? "").toLowerCase();

export function taskLogGroup(instanceId: string): string {
  return `dms-tasks-${instanceId.toLowerCase()}`;
}

export function taskLogStream(taskArn: string): string {
  return `dms-task-${taskArn.split(":").pop() ?? taskArn}`;
}

export class StandinDms implements DmsPort {
  private readonly clock: Clock;
  private readonly runningTests = new Set<string>();
  /** Connection tests still running in the background (close() waits for them). */
  private readonly testsInFlight = new Set<Promise<void>>();

  constructor(
    private readonly account: StandinAccount,
    private readonly tasks: TaskHost,
    private readonly o: StandinDmsOptions,
  ) {
    this.clock = o.clock ?? systemClock;
  }

  private get data() {
    return this.account.data;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  // ---- subnet groups -----------------------------------------------------------------------

  private subnetGroupShape(id: string): ReplicationSubnetGroup {
    const g = this.data.dmsSubnetGroups[id];
    if (!g) throw awsFault("ResourceNotFoundFault", `Replication subnet group ${id} not found.`);
    return {
      ReplicationSubnetGroupIdentifier: g.id,
      ReplicationSubnetGroupDescription: g.description,
      VpcId: g.vpcId,
      SubnetGroupStatus: "Complete",
      Subnets: g.subnetIds.map((s, i) => ({ SubnetIdentifier: s, SubnetAvailabilityZone: { Name: `${this.data.region}${"ab"[i % 2]}` }, SubnetStatus: "Active" })),
    };
  }

  describeReplicationSubnetGroups: DmsPort["describeReplicationSubnetGroups"] = (input) =>
    answer(() => {
    const ids = values(input.Filters, "replication-subnet-group-id")?.map(lower);
    const found = Object.keys(this.data.dmsSubnetGroups).filter((id) => !ids || ids.includes(id));
    if (ids && found.length === 0) throw awsFault("ResourceNotFoundFault", "No replication subnet groups found matching the filters.");
    return { ReplicationSubnetGroups: found.map((id) => this.subnetGroupShape(id)) };
    });

  createReplicationSubnetGroup: DmsPort["createReplicationSubnetGroup"] = async (input) => {
    const id = lower(input.ReplicationSubnetGroupIdentifier);
    if (this.data.dmsSubnetGroups[id]) throw awsFault("ResourceAlreadyExistsFault", `Replication subnet group ${id} already exists.`);
    this.data.dmsSubnetGroups[id] = { id, description: input.ReplicationSubnetGroupDescription ?? "", vpcId: LOCAL_VPC, subnetIds: input.SubnetIds ?? [] };
    await this.account.save();
    return { ReplicationSubnetGroup: this.subnetGroupShape(id) };
  };

  deleteReplicationSubnetGroup: DmsPort["deleteReplicationSubnetGroup"] = async (input) => {
    const id = lower(input.ReplicationSubnetGroupIdentifier);
    if (!this.data.dmsSubnetGroups[id]) throw awsFault("ResourceNotFoundFault", `Replication subnet group ${id} not found.`);
    if (Object.values(this.data.replicationInstances).some((i) => i.subnetGroup === id)) {
      throw awsFault("InvalidResourceStateFault", `Replication subnet group ${id} is in use by a replication instance.`);
    }
    delete this.data.dmsSubnetGroups[id];
    await this.account.save();
    return {};
  };

  // ---- replication instances ---------------------------------------------------------------

  private instanceStatus(i: ReplicationInstanceRecord): string | undefined {
    if (i.deletingSince !== undefined) return this.now() - i.deletingSince < this.o.settleMs ? "deleting" : undefined;
    return this.now() - i.createdAt < this.o.settleMs ? "creating" : "available";
  }

  /** The instances that still exist (a deleted one is dropped once its deletion has settled). */
  private liveInstances(): ReplicationInstanceRecord[] {
    let gone = false;
    for (const i of Object.values(this.data.replicationInstances)) {
      if (this.instanceStatus(i) === undefined) {
        delete this.data.replicationInstances[i.id];
        gone = true;
      }
    }
    if (gone) void this.account.save();
    return Object.values(this.data.replicationInstances);
  }

  private instanceShape(i: ReplicationInstanceRecord): ReplicationInstance {
    return {
      ReplicationInstanceIdentifier: i.id,
      ReplicationInstanceArn: i.arn,
      ReplicationInstanceClass: i.instanceClass,
      ReplicationInstanceStatus: this.instanceStatus(i),
      AllocatedStorage: i.allocatedStorage,
      MultiAZ: i.multiAz,
      PubliclyAccessible: i.publiclyAccessible,
      EngineVersion: "3.5.3",
      InstanceCreateTime: new Date(i.createdAt),
      // The stand-in runs on this machine: DMS's address, as the source sees it, is the loopback.
      ReplicationInstancePrivateIpAddresses: ["127.0.0.1"],
      ReplicationInstancePublicIpAddresses: i.publiclyAccessible ? ["127.0.0.1"] : [],
      VpcSecurityGroups: i.securityGroupIds.map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
      ...(i.subnetGroup && this.data.dmsSubnetGroups[i.subnetGroup] ? { ReplicationSubnetGroup: this.subnetGroupShape(i.subnetGroup) } : {}),
    };
  }

  private instanceByArn(arn: string | undefined): ReplicationInstanceRecord {
    const i = this.liveInstances().find((x) => x.arn === arn);
    if (!i) throw awsFault("ResourceNotFoundFault", `Replication instance ${arn ?? ""} not found.`);
    return i;
  }

  describeReplicationInstances: DmsPort["describeReplicationInstances"] = (input) =>
    answer(() => {
    const ids = values(input.Filters, "replication-instance-id")?.map(lower);
    const arns = values(input.Filters, "replication-instance-arn");
    const found = this.liveInstances().filter((i) => (!ids || ids.includes(i.id)) && (!arns || arns.includes(i.arn)));
    if ((ids || arns) && found.length === 0) throw awsFault("ResourceNotFoundFault", "No replication instances found matching the filters.");
    return { ReplicationInstances: found.map((i) => this.instanceShape(i)) };
    });

  createReplicationInstance: DmsPort["createReplicationInstance"] = async (input) => {
    const id = lower(input.ReplicationInstanceIdentifier);
    if (this.liveInstances().some((i) => i.id === id)) throw awsFault("ResourceAlreadyExistsFault", `The replication instance ${id} already exists.`);
    const subnetGroup = input.ReplicationSubnetGroupIdentifier ? lower(input.ReplicationSubnetGroupIdentifier) : undefined;
    if (subnetGroup && !this.data.dmsSubnetGroups[subnetGroup]) throw awsFault("ResourceNotFoundFault", `Replication subnet group ${subnetGroup} not found.`);
    const record: ReplicationInstanceRecord = {
      id,
      arn: this.account.arn("dms", "rep", dmsResourceId()),
      instanceClass: input.ReplicationInstanceClass ?? "dms.t3.medium",
      allocatedStorage: input.AllocatedStorage ?? 50,
      multiAz: input.MultiAZ === true,
      // DMS's own default is a public instance.
      publiclyAccessible: input.PubliclyAccessible ?? true,
      ...(subnetGroup ? { subnetGroup } : {}),
      securityGroupIds: input.VpcSecurityGroupIds ?? ["sg-0standin0default"],
      createdAt: this.now(),
    };
    this.data.replicationInstances[id] = record;
    await this.account.save();
    return { ReplicationInstance: this.instanceShape(record) };
  };

  deleteReplicationInstance: DmsPort["deleteReplicationInstance"] = async (input) => {
    const i = this.instanceByArn(input.ReplicationInstanceArn);
    if (Object.values(this.data.tasks).some((t) => t.instanceArn === i.arn)) {
      throw awsFault("InvalidResourceStateFault", `The replication instance ${i.id} has tasks; delete them first.`);
    }
    i.deletingSince ??= this.now();
    await this.account.save();
    return { ReplicationInstance: this.instanceShape(i) };
  };

  // ---- certificates ------------------------------------------------------------------------

  importCertificate: DmsPort["importCertificate"] = (input) => this.o.certificates.importCertificate(input);

  describeCertificates: DmsPort["describeCertificates"] = (input) => this.o.certificates.describeCertificates(input);

  /** Refused while an endpoint names the certificate, as DMS refuses. */
  deleteCertificate: DmsPort["deleteCertificate"] = (input) =>
    this.o.certificates.deleteCertificate(input, (arn) => Object.values(this.data.endpoints).find((e) => e.certificateArn === arn)?.id);

  /** DMS checks a server against an imported CA only: verify-ca and verify-full need a CertificateArn that exists. */
  private checkCertificate(e: EndpointRecord): void {
    if (e.sslMode !== "verify-ca" && e.sslMode !== "verify-full") return;
    if (!e.certificateArn) throw awsFault("InvalidParameterCombinationException", `SslMode ${e.sslMode} needs a CertificateArn: import the server's CA with ImportCertificate.`);
    this.o.certificates.mustExist(e.certificateArn);
  }

  // ---- endpoints ---------------------------------------------------------------------------

  private endpointShape(e: EndpointRecord): Endpoint {
    return {
      EndpointIdentifier: e.id,
      EndpointArn: e.arn,
      EndpointType: e.type,
      EngineName: e.engineName,
      EngineDisplayName: e.engineName === "postgres" ? "PostgreSQL" : "Amazon Aurora PostgreSQL",
      ...(e.serverName === undefined ? {} : { ServerName: e.serverName }),
      ...(e.port === undefined ? {} : { Port: e.port }),
      ...(e.databaseName === undefined ? {} : { DatabaseName: e.databaseName }),
      ...(e.username === undefined ? {} : { Username: e.username }),
      SslMode: e.sslMode as Endpoint["SslMode"],
      ...(e.certificateArn ? { CertificateArn: e.certificateArn } : {}),
      Status: "active",
      PostgreSQLSettings: e.settings,
    };
  }

  describeEndpoints: DmsPort["describeEndpoints"] = (input) =>
    answer(() => {
    const ids = values(input.Filters, "endpoint-id")?.map(lower);
    const arns = values(input.Filters, "endpoint-arn");
    const types = values(input.Filters, "endpoint-type")?.map(lower);
    const found = Object.values(this.data.endpoints).filter((e) => (!ids || ids.includes(e.id)) && (!arns || arns.includes(e.arn)) && (!types || types.includes(e.type)));
    if ((ids || arns || types) && found.length === 0) throw awsFault("ResourceNotFoundFault", "No endpoints found matching the filters.");
    return { Endpoints: found.map((e) => this.endpointShape(e)) };
    });

  /**
   * What DMS refuses when an endpoint is created or modified: a secret together with clear-text
   * credentials ("You can't specify both"), and a role DMS may not assume or that does not let
   * it read exactly that secret ("The IAM Role … is not configured properly").
   */
  private checkLogin(e: EndpointRecord, password: string | undefined): void {
    const secret = secretSettings(e);
    if (!secret) {
      if (!e.serverName || !e.username) throw awsFault("InvalidParameterValueException", "Give ServerName, Port and Username, or PostgreSQLSettings.SecretsManagerSecretId and SecretsManagerAccessRoleArn.");
      return;
    }
    if (e.serverName || e.username || password) {
      throw awsFault("InvalidParameterCombinationException", "You can specify either SecretsManagerSecretId and SecretsManagerAccessRoleArn, or clear-text ServerName, Port, Username and Password, not both.");
    }
    const problem = roleProblem(this.o.secrets, secret.secretId, secret.roleArn);
    if (problem) throw awsFault("AccessDeniedFault", problem);
  }

  createEndpoint: DmsPort["createEndpoint"] = async (input) => {
    const id = lower(input.EndpointIdentifier);
    if (this.data.endpoints[id]) throw awsFault("ResourceAlreadyExistsFault", `The endpoint ${id} already exists.`);
    const engineName = input.EngineName ?? "";
    if (engineName !== "postgres" && engineName !== "aurora-postgresql") {
      throw awsFault("InvalidParameterValueException", `The local stand-in connects PostgreSQL only (postgres, aurora-postgresql), not ${engineName}.`);
    }
    const type = lower(input.EndpointType) === "source" ? "source" : "target";
    // Secrets are never kept: the password stays in this process's memory only.
    const settings: Record<string, unknown> = { ...(input.PostgreSQLSettings ?? {}) };
    delete settings["Password"];
    const record: EndpointRecord = {
      id,
      arn: this.account.arn("dms", "endpoint", dmsResourceId()),
      type,
      engineName,
      ...(input.ServerName ? { serverName: input.ServerName, port: input.Port ?? 5432 } : {}),
      ...(input.DatabaseName ? { databaseName: input.DatabaseName } : {}),
      ...(input.Username ? { username: input.Username } : {}),
      sslMode: input.SslMode ?? "none",
      ...(input.CertificateArn ? { certificateArn: input.CertificateArn } : {}),
      settings,
      createdAt: this.now(),
    };
    this.checkLogin(record, input.Password);
    this.checkCertificate(record);
    if (input.Password) this.o.passwords.set(record.arn, input.Password);
    this.data.endpoints[id] = record;
    await this.account.save();
    return { Endpoint: this.endpointShape(record) };
  };

  /**
   * ModifyEndpoint: the fields given replace the endpoint's; PostgreSQLSettings are merged by
   * name, or replaced whole with ExactSettings. Naming a secret drops the clear-text login (DMS
   * then reads the secret); clear-text fields with ExactSettings settings lacking the secret
   * drop the secret.
   */
  modifyEndpoint: DmsPort["modifyEndpoint"] = async (input) => {
    const e = Object.values(this.data.endpoints).find((x) => x.arn === input.EndpointArn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${input.EndpointArn ?? ""} not found.`);
    const given: Record<string, unknown> = { ...(input.PostgreSQLSettings ?? {}) };
    delete given["Password"];
    const next: EndpointRecord = { ...e, settings: input.ExactSettings ? given : { ...e.settings, ...given } };
    if (input.SslMode) next.sslMode = input.SslMode;
    if (input.CertificateArn) next.certificateArn = input.CertificateArn;
    if (input.DatabaseName) next.databaseName = input.DatabaseName;
    if (input.EngineName) next.engineName = input.EngineName;
    if (given["SecretsManagerSecretId"]) {
      delete next.serverName;
      delete next.port;
      delete next.username;
    }
    if (input.ServerName) next.serverName = input.ServerName;
    if (input.Port !== undefined) next.port = input.Port;
    if (input.Username) next.username = input.Username;
    const password = given["SecretsManagerSecretId"] ? undefined : (input.Password ?? this.o.passwords.get(e.arn));
    this.checkLogin(next, secretSettings(next) ? input.Password : undefined);
    this.checkCertificate(next);
    this.data.endpoints[e.id] = next;
    if (password === undefined) this.o.passwords.delete(e.arn);
    else this.o.passwords.set(e.arn, password);
    await this.account.save();
    return { Endpoint: this.endpointShape(next) };
  };

  deleteEndpoint: DmsPort["deleteEndpoint"] = async (input) => {
    const e = Object.values(this.data.endpoints).find((x) => x.arn === input.EndpointArn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${input.EndpointArn ?? ""} not found.`);
    if (Object.values(this.data.tasks).some((t) => t.sourceEndpointArn === e.arn || t.targetEndpointArn === e.arn)) {
      throw awsFault("InvalidResourceStateFault", `The endpoint ${e.id} is used by a replication task; delete the task first.`);
    }
    delete this.data.endpoints[e.id];
    this.data.connections = this.data.connections.filter((c) => c.endpointArn !== e.arn);
    this.o.passwords.delete(e.arn);
    await this.account.save();
    return { Endpoint: { ...this.endpointShape(e), Status: "deleting" } };
  };

  // ---- connection tests --------------------------------------------------------------------

  testConnection: DmsPort["testConnection"] = async (input) => {
    const instance = this.instanceByArn(input.ReplicationInstanceArn);
    if (this.instanceStatus(instance) !== "available") throw awsFault("InvalidResourceStateFault", `The replication instance ${instance.id} is not available.`);
    const e = Object.values(this.data.endpoints).find((x) => x.arn === input.EndpointArn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${input.EndpointArn ?? ""} not found.`);
    const key = `${e.arn}|${instance.arn}`;
    if (this.runningTests.has(key)) throw awsFault("InvalidResourceStateFault", "A connection test for this endpoint is already running.");
    this.data.connections = this.data.connections.filter((c) => `${c.endpointArn}|${c.instanceArn}` !== key);
    this.data.connections.push({ endpointArn: e.arn, instanceArn: instance.arn, status: "testing" });
    await this.account.save();
    this.runTest(e, instance.arn);
    return { Connection: this.connectionShape(e.arn, instance.arn) };
  };

  private runTest(e: EndpointRecord, instanceArn: string): void {
    const key = `${e.arn}|${instanceArn}`;
    this.runningTests.add(key);
    // A secret DMS cannot read (or without host/port) fails the test with DMS's reason.
    const test: Promise<void> = Promise.resolve()
      .then(() => testEndpointConnection(this.tasks.pgEndpoint(e), e.type))
      .catch((err: unknown) => ({ Status: "failed" as const, LastFailureMessage: errorMessage(err) }))
      .then(async (result) => {
        const c = this.data.connections.find((x) => x.endpointArn === e.arn && x.instanceArn === instanceArn);
        if (c) {
          c.status = result.Status;
          if (result.LastFailureMessage) c.lastFailureMessage = result.LastFailureMessage;
          else delete c.lastFailureMessage;
          await this.account.save();
        }
      })
      .catch(() => undefined) // the account file went away (the stand-in is closing): nothing to record
      .finally(() => {
        this.runningTests.delete(key);
        this.testsInFlight.delete(test);
      });
    this.testsInFlight.add(test);
  }

  /** Resolves once no connection test runs in the background. */
  async idle(): Promise<void> {
    await Promise.all([...this.testsInFlight]);
  }

  private connectionShape(endpointArn: string, instanceArn: string): Connection {
    const c = this.data.connections.find((x) => x.endpointArn === endpointArn && x.instanceArn === instanceArn);
    const e = Object.values(this.data.endpoints).find((x) => x.arn === endpointArn);
    const i = Object.values(this.data.replicationInstances).find((x) => x.arn === instanceArn);
    return {
      EndpointArn: endpointArn,
      ReplicationInstanceArn: instanceArn,
      ...(e ? { EndpointIdentifier: e.id } : {}),
      ...(i ? { ReplicationInstanceIdentifier: i.id } : {}),
      Status: c?.status ?? "testing",
      ...(c?.lastFailureMessage ? { LastFailureMessage: c.lastFailureMessage } : {}),
    };
  }

  describeConnections: DmsPort["describeConnections"] = (input) =>
    answer(() => {
    const endpointArns = values(input.Filters, "endpoint-arn");
    const instanceArns = values(input.Filters, "replication-instance-arn");
    const found = this.data.connections.filter((c) => (!endpointArns || endpointArns.includes(c.endpointArn)) && (!instanceArns || instanceArns.includes(c.instanceArn)));
    for (const c of found) {
      // A test an earlier process started and never finished: run it again.
      const e = Object.values(this.data.endpoints).find((x) => x.arn === c.endpointArn);
      if (c.status === "testing" && e && !this.runningTests.has(`${c.endpointArn}|${c.instanceArn}`)) this.runTest(e, c.instanceArn);
    }
    return { Connections: found.map((c) => this.connectionShape(c.endpointArn, c.instanceArn)) };
    });

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
      this.account.log(taskLogGroup(instance?.id ?? "unknown"), taskLogStream(t.arn), at, `${new Date(at).toISOString()} ${line}`);
      void this.account.save();
    };
  }

  private describeTask(t: TaskRecordRef, withSettings = true) {
    return this.tasks.describe(t, withSettings, this.logTo(t));
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
    const instance = this.instanceByArn(input.ReplicationInstanceArn);
    const source = Object.values(this.data.endpoints).find((e) => e.arn === input.SourceEndpointArn && e.type === "source");
    const target = Object.values(this.data.endpoints).find((e) => e.arn === input.TargetEndpointArn && e.type === "target");
    if (!source || !target) throw awsFault("ResourceNotFoundFault", "The source or target endpoint of the task was not found.");
    if (input.MigrationType !== "full-load-and-cdc") {
      throw awsFault("InvalidParameterValueException", `The local stand-in runs full-load-and-cdc tasks only, not ${input.MigrationType ?? "(none)"}.`);
    }
    const settings = input.ReplicationTaskSettings ?? "";
    const mappings = input.TableMappings ?? "";
    // Bad settings or mappings are refused at create time, as DMS does.
    await asAwsFaults(() => {
      parseTaskSettings(settings);
      parseTableMappings(mappings);
    });
    const resourceId = dmsResourceId();
    const slotSetting = source.settings["SlotName"];
    const record: TaskRecordRef = {
      id,
      arn: this.account.arn("dms", "task", resourceId),
      sourceEndpointArn: source.arn,
      targetEndpointArn: target.arn,
      instanceArn: instance.arn,
      migrationType: input.MigrationType,
      tableMappings: mappings,
      settings,
      // DMS names the slot itself when the endpoint does not.
      slotName: typeof slotSetting === "string" && slotSetting ? slotSetting : `${resourceId.toLowerCase()}_standin`,
      storePath: `${this.account.path.replace(/\.json$/, "")}.task-${resourceId}.json`,
      tags: input.Tags ?? [],
    };
    this.data.tasks[record.arn] = record;
    await this.account.save();
    await asAwsFaults(() => this.tasks.create(record));
    return { ReplicationTask: await this.describeTask(record) };
  };

  startReplicationTask: DmsPort["startReplicationTask"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const type = input.StartReplicationTaskType;
    if (type !== "start-replication" && type !== "resume-processing" && type !== "reload-target") {
      throw awsFault("InvalidParameterValueException", `StartReplicationTaskType ${String(type)} is not valid.`);
    }
    const engine = await this.tasks.engine(t);
    await asAwsFaults(() => engine.start(type));
    return { ReplicationTask: await this.describeTask(t) };
  };

  stopReplicationTask: DmsPort["stopReplicationTask"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const engine = await this.tasks.engine(t);
    await asAwsFaults(() => engine.stop());
    return { ReplicationTask: await this.describeTask(t) };
  };

  deleteReplicationTask: DmsPort["deleteReplicationTask"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const engine = await this.tasks.engine(t);
    if (t.deletingSince !== undefined) return { ReplicationTask: await this.describeTask(t) };
    if (["running", "starting", "stopping"].includes(engine.status)) {
      throw awsFault("InvalidResourceStateFault", `Replication task ${t.id} is ${engine.status}; stop it before deleting it.`);
    }
    t.deletingSince = this.now();
    await this.account.save();
    const shown = await this.describeTask(t);
    // As DMS: the call returns at once ("deleting"); the task disappears when the work is done.
    void engine.delete().then(
      async () => {
        delete this.data.tasks[t.arn];
        this.tasks.forget(t.arn);
        await this.account.save();
      },
      async (err: unknown) => {
        delete t.deletingSince;
        this.logTo(t)(`[TASK_MANAGER    ]E:  Deleting the task failed: ${errorMessage(err)}  (stand-in)`);
        await this.account.save();
      },
    );
    return { ReplicationTask: shown };
  };

  describeTableStatistics: DmsPort["describeTableStatistics"] = async (input) => {
    const t = this.taskByArn(input.ReplicationTaskArn);
    const engine = await this.tasks.engine(t);
    return { ReplicationTaskArn: t.arn, TableStatistics: await engine.tableStatistics() };
  };

  /** CDC latency of a task named by its CloudWatch dimensions (instance id, task resource id). */
  async latencyOf(instanceId: string, taskResourceId: string): Promise<{ source: number; target: number } | undefined> {
    const t = Object.values(this.data.tasks).find((x) => x.arn.endsWith(`:${taskResourceId}`));
    const instance = Object.values(this.data.replicationInstances).find((i) => i.arn === t?.instanceArn);
    if (!t || instance?.id !== instanceId || t.deletingSince !== undefined) return undefined;
    const engine = await this.tasks.engine(t).catch(() => undefined);
    return engine?.cdcLatency();
  }
}
