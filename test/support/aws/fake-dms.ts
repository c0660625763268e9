/**
 * DMS: subnet groups, replication instances, certificates, and tasks that move through their
 * statuses as they are described. Endpoints and connection tests: fake-dms-endpoints.ts.
 */
import type { DmsPort, ReplicationTask, TableStatistics } from "../../../src/adapters/aws/ports.js";
import { fakeDmsCertificates } from "./fake-dms-certificates.js";
import { fakeDmsEndpoints } from "./fake-dms-endpoints.js";
import type { FakeAws } from "./fake-aws.js";
import { fault } from "./fake-secrets-iam.js";
import { SETTLE, filterValues, strip } from "./fake-shapes.js";

export function fakeDms(aws: FakeAws): DmsPort {
  return {
    ...fakeDmsCertificates((service, method, input, body) => aws.op(service, method, input, body), () => aws.certificateStore, () => aws.endpoints.values()),
    describeReplicationSubnetGroups: (input) =>
      aws.op("dms", "describeReplicationSubnetGroups", input, () => {
        const ids = filterValues(input.Filters, "replication-subnet-group-id");
        const found = [...aws.dmsSubnetGroups.values()].filter((g) => !ids || ids.includes(g.ReplicationSubnetGroupIdentifier ?? ""));
        if (ids && found.length === 0) throw fault("ResourceNotFoundFault", "Replication subnet group not found");
        return { ReplicationSubnetGroups: found };
      }),
    createReplicationSubnetGroup: (input) =>
      aws.op("dms", "createReplicationSubnetGroup", input, () => {
        if (!(aws.o.roles ?? ["dms-vpc-role"]).includes("dms-vpc-role")) throw fault("AccessDeniedFault", "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly.");
        const g = { ReplicationSubnetGroupIdentifier: (input.ReplicationSubnetGroupIdentifier ?? "").toLowerCase(), VpcId: "vpc-1", Subnets: (input.SubnetIds ?? []).map((s) => ({ SubnetIdentifier: s })) };
        aws.dmsSubnetGroups.set(g.ReplicationSubnetGroupIdentifier, g);
        return { ReplicationSubnetGroup: g };
      }),
    deleteReplicationSubnetGroup: (input) =>
      aws.op("dms", "deleteReplicationSubnetGroup", input, () => {
        const id = input.ReplicationSubnetGroupIdentifier ?? "";
        if (!aws.dmsSubnetGroups.has(id)) throw fault("ResourceNotFoundFault", "Replication subnet group not found");
        if ([...aws.replicationInstances.values()].some((i) => i.ReplicationSubnetGroup?.ReplicationSubnetGroupIdentifier === id)) throw fault("InvalidResourceStateFault", "The subnet group is in use by a replication instance");
        aws.dmsSubnetGroups.delete(id);
        aws.timeline.push(`gone subnet-group ${id}`);
        return {};
      }),
    describeReplicationInstances: (input) =>
      aws.op("dms", "describeReplicationInstances", input, () => {
        aws.reap(aws.replicationInstances, "instance", (i) => i.ReplicationInstanceIdentifier, (i) => i.ReplicationInstanceStatus === "deleting");
        const ids = filterValues(input.Filters, "replication-instance-id");
        const found = [...aws.replicationInstances.values()].filter((i) => !ids || ids.includes(i.ReplicationInstanceIdentifier ?? ""));
        if (ids && found.length === 0) throw fault("ResourceNotFoundFault", "Replication instance not found");
        for (const i of found) if (i.ReplicationInstanceStatus !== "deleting") aws.settle(i, "ReplicationInstanceStatus", "available");
        return { ReplicationInstances: found.map(strip) };
      }),
    createReplicationInstance: (input) =>
      aws.op("dms", "createReplicationInstance", input, () => {
        const id = (input.ReplicationInstanceIdentifier ?? "").toLowerCase();
        if (aws.replicationInstances.has(id)) throw fault("ResourceAlreadyExistsFault", "The replication instance already exists");
        const i = {
          ReplicationInstanceIdentifier: id,
          ReplicationInstanceArn: `arn:aws:dms:${aws.region}:${aws.accountId}:rep:${aws.next("RI")}`,
          ReplicationInstanceClass: input.ReplicationInstanceClass,
          ReplicationInstanceStatus: "creating",
          // DMS's own default is public when the parameter is left out.
          PubliclyAccessible: input.PubliclyAccessible ?? true,
          ReplicationInstancePrivateIpAddresses: ["10.0.12.34"],
          ReplicationInstancePublicIpAddresses: input.PubliclyAccessible === false ? [] : ["203.0.113.9"],
          VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
          ...(input.ReplicationSubnetGroupIdentifier ? { ReplicationSubnetGroup: { ReplicationSubnetGroupIdentifier: input.ReplicationSubnetGroupIdentifier.toLowerCase() } } : {}),
          describes: 0,
        };
        aws.replicationInstances.set(id, i);
        return { ReplicationInstance: strip(i) };
      }),
    deleteReplicationInstance: (input) =>
      aws.op("dms", "deleteReplicationInstance", input, () => {
        const i = [...aws.replicationInstances.values()].find((x) => x.ReplicationInstanceArn === input.ReplicationInstanceArn);
        if (!i) throw fault("ResourceNotFoundFault", "Replication instance not found");
        if ([...aws.tasks.values()].some((t) => t.ReplicationInstanceArn === i.ReplicationInstanceArn)) throw fault("InvalidResourceStateFault", "The replication instance still has tasks");
        i.ReplicationInstanceStatus = "deleting";
        aws.begin(i);
        return { ReplicationInstance: strip(i) };
      }),
    ...fakeDmsEndpoints(aws),
    createReplicationTask: (input) =>
      aws.op("dms", "createReplicationTask", input, () => {
        const id = (input.ReplicationTaskIdentifier ?? "").toLowerCase();
        if ([...aws.tasks.values()].some((t) => t.ReplicationTaskIdentifier === id)) throw fault("ResourceAlreadyExistsFault", "The task already exists");
        const arn = `arn:aws:dms:${aws.region}:${aws.accountId}:task:${aws.next("TASKRESOURCEID")}`;
        const t = {
          ReplicationTaskIdentifier: id,
          ReplicationTaskArn: arn,
          Status: "creating",
          MigrationType: input.MigrationType,
          SourceEndpointArn: input.SourceEndpointArn,
          TargetEndpointArn: input.TargetEndpointArn,
          ReplicationInstanceArn: input.ReplicationInstanceArn,
          TableMappings: input.TableMappings,
          ReplicationTaskSettings: input.ReplicationTaskSettings,
          describes: 0,
          phase: 0,
        };
        aws.tasks.set(arn, t);
        return { ReplicationTask: strip(t) };
      }),
    describeReplicationTasks: (input) =>
      aws.op("dms", "describeReplicationTasks", input, () => {
        aws.reap(aws.tasks, "task", (t) => t.ReplicationTaskIdentifier, (t) => t.Status === "deleting");
        const arns = filterValues(input.Filters, "replication-task-arn");
        const ids = filterValues(input.Filters, "replication-task-id");
        const found = [...aws.tasks.values()].filter((t) => (!arns || arns.includes(t.ReplicationTaskArn ?? "")) && (!ids || ids.includes(t.ReplicationTaskIdentifier ?? "")));
        if ((arns || ids) && found.length === 0) throw fault("ResourceNotFoundFault", "Replication task not found");
        for (const t of found) advanceTask(aws, t);
        return { ReplicationTasks: found.map(strip) };
      }),
    startReplicationTask: (input) =>
      aws.op("dms", "startReplicationTask", input, async () => {
        const t = aws.tasks.get(input.ReplicationTaskArn ?? "");
        if (!t) throw fault("ResourceNotFoundFault", "Replication task not found");
        // As DMS (docs/dms-notes.md §18): a start point with a start time is an error; a start point only on a cdc task (the stand-in's rule too).
        if (input.CdcStartPosition !== undefined && input.CdcStartTime !== undefined) throw fault("InvalidParameterCombinationException", "CdcStartPosition and CdcStartTime cannot both be given");
        if (input.CdcStartPosition !== undefined && t.MigrationType !== "cdc") throw fault("InvalidParameterCombinationException", `A CDC start position is only valid for a cdc task, not ${t.MigrationType ?? "?"}`);
        if (input.StartReplicationTaskType === "start-replication") {
          if (t.Status !== "ready" || t.ReplicationTaskStartDate) throw fault("InvalidResourceStateFault", "start-replication is only valid for a task's first run");
          t.ReplicationTaskStartDate = new Date();
          t.Status = "starting";
          // A cdc task loads nothing: it goes straight to applying changes from its start point.
          t.phase = t.MigrationType === "cdc" ? 10 : 1;
          if (input.CdcStartPosition !== undefined) t.CdcStartPosition = input.CdcStartPosition;
          await aws.o.onTaskStart?.();
        } else if (input.StartReplicationTaskType === "resume-processing") {
          if (!t.ReplicationTaskStartDate || !["stopped", "failed"].includes(t.Status ?? "")) throw fault("InvalidResourceStateFault", `Task is ${t.Status}`);
          t.Status = "starting";
          // Resuming after the stop before cached changes, or after a stop during CDC (or of a cdc task), goes on with CDC; after a failure in the load, back to loading.
          t.phase = t.MigrationType === "cdc" || t.StopReason?.includes("STOPPED_AFTER_FULL_LOAD") || t.StopReason?.includes("NORMAL") ? 10 : 1;
          delete t.StopReason;
          delete t.LastFailureMessage;
          await aws.o.onTaskResume?.();
        }
        return { ReplicationTask: strip(t) };
      }),
    stopReplicationTask: (input) =>
      aws.op("dms", "stopReplicationTask", input, async () => {
        const t = aws.tasks.get(input.ReplicationTaskArn ?? "");
        if (!t) throw fault("ResourceNotFoundFault", "Replication task not found");
        if (!["running", "starting"].includes(t.Status ?? "")) throw fault("InvalidResourceStateFault", `Task is ${t.Status}`);
        t.Status = "stopping";
        t.phase = 20;
        aws.begin(t);
        await aws.o.onTaskStop?.();
        return { ReplicationTask: strip(t) };
      }),
    deleteReplicationTask: (input) =>
      aws.op("dms", "deleteReplicationTask", input, () => {
        const t = aws.tasks.get(input.ReplicationTaskArn ?? "");
        if (!t) throw fault("ResourceNotFoundFault", "Replication task not found");
        if (["running", "starting", "stopping"].includes(t.Status ?? "")) throw fault("InvalidResourceStateFault", `Task is ${t.Status}; stop it first`);
        t.Status = "deleting";
        t.phase = 0;
        aws.begin(t);
        return { ReplicationTask: strip(t) };
      }),
    describeTableStatistics: (input) =>
      aws.op("dms", "describeTableStatistics", input, () => ({
        ReplicationTaskArn: input.ReplicationTaskArn,
        TableStatistics: [{ SchemaName: "public", TableName: "accounts", TableState: "Table completed", FullLoadRows: 3 }] as TableStatistics[],
      })),
  };
}

/** The task's life: creating → ready; start → starting → running (0%, 50%) → stopped after full load; resume → running. */
function advanceTask(aws: FakeAws, t: ReplicationTask & { describes: number; phase: number }): void {
  t.describes += 1;
  if (t.Status === "creating" && t.describes >= SETTLE) t.Status = "ready";
  if (t.phase >= 1 && t.phase < 10) {
    const stats = (percent: number, loaded: number, loading: number, queued: number) => ({ FullLoadProgressPercent: percent, TablesLoaded: loaded, TablesLoading: loading, TablesQueued: queued, TablesErrored: 0 });
    if (t.phase === 1) Object.assign(t, { Status: "running", ReplicationTaskStats: stats(0, 0, 1, 1) });
    if (t.phase === 2) Object.assign(t, { Status: "running", ReplicationTaskStats: stats(50, 1, 1, 0) });
    if (t.phase === 3) {
      if (aws.o.fullLoadFailure) {
        Object.assign(t, { Status: "failed", LastFailureMessage: aws.o.fullLoadFailure, StopReason: "Stop Reason FATAL_ERROR" });
        delete aws.o.fullLoadFailure;
        t.phase = 0;
        return;
      }
      Object.assign(t, { Status: "stopped", StopReason: "Stop Reason STOPPED_AFTER_FULL_LOAD", ReplicationTaskStats: stats(100, 2, 0, 0) });
    }
    t.phase += 1;
  } else if (t.phase === 10) {
    t.Status = "running";
  } else if (t.phase === 20) {
    const left = (aws.pending.get(t) ?? 1) - 1;
    aws.pending.set(t, left);
    if (left <= 0) {
      Object.assign(t, { Status: "stopped", StopReason: "Stop Reason NORMAL", phase: 0 });
      aws.pending.delete(t);
      aws.timeline.push(`stopped task ${t.ReplicationTaskIdentifier ?? ""}`);
    }
  }
}
