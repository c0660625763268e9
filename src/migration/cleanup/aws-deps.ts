import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices } from "../../adapters/aws/ports.js";
import { OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { awsFor } from "../aws/context.js";
import { findCertificate, findCluster, findEndpoint, findReplicationInstance, findSubnetGroup, findTask } from "../aws/lookups.js";
import { pollUntil } from "../aws/poll.js";
import { SECRET_READ_POLICY_NAME } from "../../plan/dms-secret-policy.js";
import { field } from "../aws/resources.js";
import type { CleanupDeps, CleanupOutcome } from "./deps.js";
import { revokeRule } from "./security-group-rule.js";
import { WalWatch } from "../wal-guard.js";

/** Task states in which nothing is replicating any more. */
const AT_REST = new Set(["stopped", "failed", "ready"]);
/** Task states DMS refuses to delete from (docs/dms-notes.md §15: stop it first). */
const BUSY = new Set(["running", "starting", "stopping"]);
const GONE = ["ResourceNotFoundFault"];

interface Waits {
  firstDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}
const TASK_WAITS: Waits = { firstDelayMs: 5_000, maxDelayMs: 30_000, timeoutMs: 30 * 60_000 };
const ENDPOINT_WAITS: Waits = { firstDelayMs: 5_000, maxDelayMs: 30_000, timeoutMs: 15 * 60_000 };
// Deleting a replication instance takes minutes (waitUntilReplicationInstanceDeleted polls every 15–120 s).
const INSTANCE_WAITS: Waits = { firstDelayMs: 15_000, maxDelayMs: 60_000, timeoutMs: 60 * 60_000 };

/** Polls `read` (undefined = gone) until `settled`, with the wizard's backoff, clock and Ctrl-C. */
async function waitUntil<T>(
  ctx: StepContext,
  wal: WalWatch,
  o: { what: string; until: string },
  read: () => Promise<T | undefined>,
  settled: (v: T | undefined) => boolean,
  show: (v: T | undefined) => string,
  waits: Waits,
): Promise<void> {
  // pollUntil treats an undefined reading as "no answer yet", so "gone" travels in a box.
  // The WAL guard's figure until cleanup drops the slot (a stopped task no longer reads it).
  // `wal` is the cleanup's one watch: its connection is closed after each wait, its first
  // reading (the growth's base) and a failed connection are kept across the waits.
  const boxed = async (): Promise<{ v: T | undefined }> => {
    const v = await read();
    await wal.look();
    return { v };
  };
  await pollUntil<{ v: T | undefined }>(ctx, { ...o, read: boxed, done: (b) => settled(b.v), show: (b) => show(b.v) + wal.text, ...waits }).finally(() => wal.close());
}

/** Runs a delete call; "already-gone" when AWS no longer has the resource. */
async function deleting(call: () => Promise<unknown>, inUse: () => OperationError): Promise<CleanupOutcome | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    if (isAwsError(err, ...GONE)) return "already-gone";
    if (isAwsError(err, "InvalidResourceStateFault")) throw Object.assign(inUse(), { cause: err });
    throw err;
  }
}

interface Removal<T> {
  /** "the DMS task x", for the spinner and messages. */
  what: string;
  /** The resource now, undefined once AWS has it gone. */
  find: () => Promise<T | undefined>;
  status: (found: T) => string | undefined;
  remove: (found: T) => Promise<unknown>;
  /** What to say when AWS refuses because something still uses it. */
  inUse: () => OperationError;
  /** An error when the resource is in a state it cannot be deleted from. */
  refuse?: (found: T) => OperationError | undefined;
  waits: Waits;
}

/** Looks the resource up, deletes it (unless already deleting) and waits until Describe no longer finds it. */
async function removeAndWait<T>(ctx: StepContext, wal: WalWatch, o: Removal<T>): Promise<CleanupOutcome> {
  const found = await o.find();
  if (!found) return "already-gone";
  const refusal = o.refuse?.(found);
  if (refusal) throw refusal;
  if (o.status(found) !== "deleting") {
    const r = await deleting(() => o.remove(found), o.inUse);
    if (r) return r;
  }
  await waitUntil(ctx, wal, { what: `${o.what} to be deleted`, until: `${o.what} is deleted` }, o.find, (v) => !v, (v) => `${o.what}: ${v ? (o.status(v) ?? "?") : "deleted"}`, o.waits);
  return "done";
}

/**
 * Cleanup's AWS side over the AWS ports of this run. Each removal is looked up first (a
 * resource that is gone is "already-gone"), made, and waited for until DescribeX answers
 * ResourceNotFoundFault, so DMS's order (task → endpoints and instance → subnet group) holds.
 * Under --dry-run the port (adapters/aws/dry-run.ts) plans the calls and answers the lookups
 * after them as AWS would, so the waits are said rather than made.
 */
export function cleanupDepsFor(ctx: StepContext): CleanupDeps {
  const aws = (): Promise<AwsServices> => awsFor(ctx);
  const wal = new WalWatch(ctx);
  return {
    async stopTask(rec) {
      const a = await aws();
      const by = rec.arn ? { arn: rec.arn } : { id: rec.id };
      const task = await findTask(a, by);
      if (!task || task.Status === "deleting" || AT_REST.has(task.Status ?? "")) return "already-gone";
      if (task.Status !== "stopping") {
        const r = await deleting(
          () => a.dms.stopReplicationTask({ ReplicationTaskArn: task.ReplicationTaskArn }),
          () => new OperationError(`DMS refused to stop the task ${rec.id} (it is ${task.Status ?? "?"}).`, { hint: "Wait until it is running or stopped (see the DMS console), then run cleanup again." }),
        );
        if (r) return r;
      }
      await waitUntil(ctx, wal, { what: `the DMS task ${rec.id} to stop`, until: `the DMS task ${rec.id} has stopped` }, () => findTask(a, by), (t) => !t || AT_REST.has(t.Status ?? ""), (t) => `task ${rec.id}: ${t?.Status ?? "gone"}`, TASK_WAITS);
      return "done";
    },

    async deleteTask(rec) {
      const a = await aws();
      const by = rec.arn ? { arn: rec.arn } : { id: rec.id };
      return removeAndWait(ctx, wal, {
        what: `the DMS task ${rec.id}`,
        find: () => findTask(a, by),
        status: (t) => t.Status,
        refuse: (t) =>
          BUSY.has(t.Status ?? "")
            ? new OperationError(`The DMS task ${rec.id} is ${t.Status ?? "?"}; DMS deletes only a stopped task.`, {
                hint: "Let cleanup stop it (answer yes to cleanup.stopTask), or stop it in the DMS console, then run cleanup again.",
              })
            : undefined,
        remove: (t) => a.dms.deleteReplicationTask({ ReplicationTaskArn: t.ReplicationTaskArn }),
        inUse: () => new OperationError(`DMS refused to delete the task ${rec.id}.`, { hint: "Check its state in the DMS console; once it is stopped, run cleanup again." }),
        waits: TASK_WAITS,
      });
    },

    async deleteEndpoint(rec) {
      const a = await aws();
      return removeAndWait(ctx, wal, {
        what: `the DMS endpoint ${rec.id}`,
        find: () => findEndpoint(a, rec.id),
        status: (e) => e.Status,
        remove: (e) => a.dms.deleteEndpoint({ EndpointArn: e.EndpointArn }),
        inUse: () => new OperationError(`DMS refused to delete the endpoint ${rec.id}: a task still uses it.`, { hint: "Delete that task first (cleanup without --keep-task, or the DMS console), then run cleanup again." }),
        waits: ENDPOINT_WAITS,
      });
    },

    async deleteCertificate(rec) {
      const a = await aws();
      // DMS deletes a certificate at once (it has no status to wait on).
      const found = await findCertificate(a, rec.arn ? { arn: rec.arn } : { id: rec.id });
      if (!found?.CertificateArn) return "already-gone";
      const r = await deleting(
        () => a.dms.deleteCertificate({ CertificateArn: found.CertificateArn }),
        () =>
          new OperationError(`DMS refused to delete the certificate ${rec.id}: an endpoint still uses it.`, {
            hint: "Delete the endpoints that use it first (cleanup without --keep-endpoints; the DMS console lists an endpoint's certificate), then run cleanup again.",
          }),
      );
      return r ?? "done";
    },

    async deleteInstance(rec) {
      const a = await aws();
      return removeAndWait(ctx, wal, {
        what: `the replication instance ${rec.id}`,
        find: () => findReplicationInstance(a, rec.id),
        status: (i) => i.ReplicationInstanceStatus,
        remove: (i) => a.dms.deleteReplicationInstance({ ReplicationInstanceArn: i.ReplicationInstanceArn }),
        inUse: () =>
          new OperationError(`DMS refused to delete the replication instance ${rec.id}: it still has tasks, or is busy.`, {
            hint: "Delete its tasks first (see the DMS console) or wait until it is available, then run cleanup again.",
          }),
        waits: INSTANCE_WAITS,
      });
    },

    async deleteSubnetGroup(rec) {
      const a = await aws();
      if (!(await findSubnetGroup(a, rec.id))) return "already-gone";
      const r = await deleting(
        () => a.dms.deleteReplicationSubnetGroup({ ReplicationSubnetGroupIdentifier: rec.id }),
        () => new OperationError(`DMS refused to delete the replication subnet group ${rec.id}: a replication instance still uses it.`, { hint: "Delete that instance first (cleanup without --keep-instance), then run cleanup again." }),
      );
      return r ?? "done";
    },

    async deleteRole(rec) {
      const a = await aws();
      const gone = (err: unknown): boolean => isAwsError(err, "NoSuchEntityException", "NoSuchEntity");
      try {
        await a.iam.deleteRolePolicy({ RoleName: rec.id, PolicyName: field(rec, "policyName") ?? SECRET_READ_POLICY_NAME });
      } catch (err) {
        if (!gone(err)) throw err;
      }
      try {
        await a.iam.deleteRole({ RoleName: rec.id });
      } catch (err) {
        if (gone(err)) return "already-gone";
        throw err;
      }
      return "done";
    },

    async deleteSecret(rec) {
      const a = await aws();
      try {
        // The tool's own copy of a password: no recovery window, so its name is free again at once.
        await a.secretsmanager.deleteSecret({ SecretId: rec.arn ?? rec.id, ForceDeleteWithoutRecovery: true });
      } catch (err) {
        if (isAwsError(err, "ResourceNotFoundException")) return "already-gone";
        throw err;
      }
      return "done";
    },

    async clusterParameterGroupUser(rec) {
      const a = await aws();
      const clusterId = field(rec, "clusterId");
      const cluster = clusterId ? await findCluster(a, clusterId) : undefined;
      if (cluster && cluster.Status !== "deleting" && (cluster.DBClusterParameterGroup ?? rec.id) === rec.id) return clusterId;
      return undefined;
    },

    async deleteClusterParameterGroup(rec) {
      const a = await aws();
      // RDS deletes a parameter group at once (it has no status to wait on).
      try {
        await a.rds.deleteDBClusterParameterGroup({ DBClusterParameterGroupName: rec.id });
      } catch (err) {
        if (isAwsError(err, "DBParameterGroupNotFoundFault", "DBParameterGroupNotFound", "DBClusterParameterGroupNotFoundFault")) return "already-gone";
        if (isAwsError(err, "InvalidDBParameterGroupStateFault", "InvalidDBParameterGroupState")) {
          throw new OperationError(`RDS refused to delete the cluster parameter group ${rec.id}: a cluster still uses it.`, {
            hint: `Attach another parameter group to that cluster (aws rds modify-db-cluster --db-cluster-identifier <cluster> --db-cluster-parameter-group-name default.${typeof rec["family"] === "string" ? rec["family"] : "<family>"} --apply-immediately), reboot its writer, then run cleanup again. \`aws rds describe-db-clusters --query "DBClusters[?DBClusterParameterGroup=='${rec.id}'].DBClusterIdentifier"\` names the cluster.`,
            cause: err,
          });
        }
        throw err;
      }
      return "done";
    },

    async revokeRule(rec) {
      return revokeRule(ctx, await aws(), rec);
    },
  };
}
