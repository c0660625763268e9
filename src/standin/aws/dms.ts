/**
 * The stand-in for AWS DMS: replication subnet groups, replication instances (on this machine:
 * private address 127.0.0.1), endpoints with DMS's connection test (dms-endpoints.ts; the
 * server verified against an imported CA certificate for verify-ca/verify-full,
 * dms-certificates.ts), and full-load-and-cdc tasks that really move rows (dms-tasks.ts;
 * task-host.ts, the replication engine). Shapes, statuses, fault names and ARNs are DMS's, so
 * the wizard's steps cannot tell this from the service.
 */
import type { ReplicationInstance, ReplicationSubnetGroup } from "@aws-sdk/client-database-migration-service";
import type { DmsPort } from "../../adapters/aws/ports.js";
import { type Clock, systemClock } from "../../core/clock.js";
import { LOCAL_VPC, type ReplicationInstanceRecord, type StandinAccount, dmsResourceId } from "./account.js";
import { type StandinDmsOptions, lower, values } from "./dms-common.js";
import { StandinDmsEndpoints } from "./dms-endpoints.js";
import { StandinDmsTasks } from "./dms-tasks.js";
import { answer, awsFault } from "./faults.js";
import type { TaskHost } from "./task-host.js";

export type { StandinDmsOptions } from "./dms-common.js";
export { taskLogGroup, taskLogStream } from "./dms-tasks.js";

/**
 * DMS's API over the stand-in account: subnet groups, replication instances and certificates
 * here; endpoints (dms-endpoints.ts) and tasks (dms-tasks.ts) each in a part of their own.
 */
export class StandinDms implements DmsPort {
  private readonly clock: Clock;
  private readonly endpoints: StandinDmsEndpoints;
  private readonly taskCalls: StandinDmsTasks;

  constructor(
    private readonly account: StandinAccount,
    tasks: TaskHost,
    private readonly o: StandinDmsOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    const parts = {
      account,
      tasks,
      o,
      clock: this.clock,
      instanceByArn: (arn: string | undefined) => this.instanceByArn(arn),
      instanceStatus: (i: ReplicationInstanceRecord) => this.instanceStatus(i),
    };
    this.endpoints = new StandinDmsEndpoints(parts);
    this.taskCalls = new StandinDmsTasks(parts);
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

  // ---- endpoints and connection tests (dms-endpoints.ts) -------------------------------------

  describeEndpoints: DmsPort["describeEndpoints"] = (input) => this.endpoints.describeEndpoints(input);
  createEndpoint: DmsPort["createEndpoint"] = (input) => this.endpoints.createEndpoint(input);
  modifyEndpoint: DmsPort["modifyEndpoint"] = (input) => this.endpoints.modifyEndpoint(input);
  deleteEndpoint: DmsPort["deleteEndpoint"] = (input) => this.endpoints.deleteEndpoint(input);
  testConnection: DmsPort["testConnection"] = (input) => this.endpoints.testConnection(input);
  describeConnections: DmsPort["describeConnections"] = (input) => this.endpoints.describeConnections(input);

  /** Resolves once no connection test runs in the background. */
  idle(): Promise<void> {
    return this.endpoints.idle();
  }

  // ---- tasks (dms-tasks.ts) ----------------------------------------------------------------

  describeReplicationTasks: DmsPort["describeReplicationTasks"] = (input) => this.taskCalls.describeReplicationTasks(input);
  createReplicationTask: DmsPort["createReplicationTask"] = (input) => this.taskCalls.createReplicationTask(input);
  startReplicationTask: DmsPort["startReplicationTask"] = (input) => this.taskCalls.startReplicationTask(input);
  stopReplicationTask: DmsPort["stopReplicationTask"] = (input) => this.taskCalls.stopReplicationTask(input);
  deleteReplicationTask: DmsPort["deleteReplicationTask"] = (input) => this.taskCalls.deleteReplicationTask(input);
  describeTableStatistics: DmsPort["describeTableStatistics"] = (input) => this.taskCalls.describeTableStatistics(input);

  /** CDC latency of a task named by its CloudWatch dimensions (instance id, task resource id). */
  latencyOf(instanceId: string, taskResourceId: string): Promise<{ source: number; target: number } | undefined> {
    return this.taskCalls.latencyOf(instanceId, taskResourceId);
  }
}
