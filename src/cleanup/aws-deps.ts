import { isAwsError } from "../adapters/aws/errors.js";
import type { AwsServices } from "../adapters/aws/ports.js";
import { OperationError } from "../errors.js";
import type { StepContext } from "../runner.js";
import type { ResourceRecord } from "../state/schema.js";
import { awsFor, dryRunValue } from "../steps/aws/context.js";
import { findEndpoint, findReplicationInstance, findSubnetGroup, findTask } from "../steps/aws/lookups.js";
import { pollUntil } from "../steps/aws/poll.js";
import { field } from "../steps/aws/resources.js";
import type { CleanupDeps, CleanupOutcome } from "./deps.js";

/** Task states in which nothing is replicating any more. */
const AT_REST = new Set(["stopped", "failed", "ready"]);
/** Task states DMS refuses to delete from (aws-dms-reference.md §2.9: stop it first). */
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
async function waitUntil<T>(ctx: StepContext, what: string, read: () => Promise<T | undefined>, settled: (v: T | undefined) => boolean, show: (v: T | undefined) => string, waits: Waits): Promise<void> {
  // pollUntil treats an undefined reading as "no answer yet", so "gone" travels in a box.
  await pollUntil<{ v: T | undefined }>(ctx, { what, read: async () => ({ v: await read() }), done: (b) => settled(b.v), show: (b) => show(b.v), ...waits });
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

/**
 * Cleanup's AWS side over the AWS ports of this run. Each removal is looked up first (a
 * resource that is gone is "already-gone"), made, and waited for until DescribeX answers
 * ResourceNotFoundFault, so DMS's order (task → endpoints and instance → subnet group) holds.
 * Under --dry-run each call is printed by the instrumentation and nothing is looked up or awaited.
 */
export function cleanupDepsFor(ctx: StepContext): CleanupDeps {
  const dry = ctx.options.dryRun;
  const aws = (): Promise<AwsServices> => awsFor(ctx);
  const arnOf = (rec: ResourceRecord, what: string): string => rec.arn ?? dryRunValue(`ARN of ${what} ${rec.id}`);
  return {
    async stopTask(rec) {
      const a = await aws();
      if (dry) {
        await a.dms.stopReplicationTask({ ReplicationTaskArn: arnOf(rec, "the task") });
        return "done";
      }
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
      await waitUntil(ctx, `the DMS task ${rec.id} to stop`, () => findTask(a, by), (t) => !t || AT_REST.has(t.Status ?? ""), (t) => `task ${rec.id}: ${t?.Status ?? "gone"}`, TASK_WAITS);
      return "done";
    },

    async deleteTask(rec) {
      const a = await aws();
      if (dry) {
        await a.dms.deleteReplicationTask({ ReplicationTaskArn: arnOf(rec, "the task") });
        return "done";
      }
      const by = rec.arn ? { arn: rec.arn } : { id: rec.id };
      const task = await findTask(a, by);
      if (!task) return "already-gone";
      if (BUSY.has(task.Status ?? "")) {
        throw new OperationError(`The DMS task ${rec.id} is ${task.Status ?? "?"}; DMS deletes only a stopped task.`, {
          hint: "Let cleanup stop it (answer yes to cleanup.stop-task), or stop it in the DMS console, then run cleanup again.",
        });
      }
      if (task.Status !== "deleting") {
        const r = await deleting(
          () => a.dms.deleteReplicationTask({ ReplicationTaskArn: task.ReplicationTaskArn }),
          () => new OperationError(`DMS refused to delete the task ${rec.id}.`, { hint: "Check its state in the DMS console; once it is stopped, run cleanup again." }),
        );
        if (r) return r;
      }
      await waitUntil(ctx, `the DMS task ${rec.id} to be deleted`, () => findTask(a, by), (t) => !t, (t) => `task ${rec.id}: ${t?.Status ?? "deleted"}`, TASK_WAITS);
      return "done";
    },

    async deleteEndpoint(rec) {
      const a = await aws();
      if (dry) {
        await a.dms.deleteEndpoint({ EndpointArn: arnOf(rec, "the endpoint") });
        return "done";
      }
      const endpoint = await findEndpoint(a, rec.id);
      if (!endpoint) return "already-gone";
      if (endpoint.Status !== "deleting") {
        const r = await deleting(
          () => a.dms.deleteEndpoint({ EndpointArn: endpoint.EndpointArn }),
          () => new OperationError(`DMS refused to delete the endpoint ${rec.id}: a task still uses it.`, { hint: "Delete that task first (cleanup without --keep-task, or the DMS console), then run cleanup again." }),
        );
        if (r) return r;
      }
      await waitUntil(ctx, `the DMS endpoint ${rec.id} to be deleted`, () => findEndpoint(a, rec.id), (e) => !e, (e) => `endpoint ${rec.id}: ${e?.Status ?? "deleted"}`, ENDPOINT_WAITS);
      return "done";
    },

    async deleteInstance(rec) {
      const a = await aws();
      if (dry) {
        await a.dms.deleteReplicationInstance({ ReplicationInstanceArn: arnOf(rec, "the replication instance") });
        return "done";
      }
      const instance = await findReplicationInstance(a, rec.id);
      if (!instance) return "already-gone";
      if (instance.ReplicationInstanceStatus !== "deleting") {
        const r = await deleting(
          () => a.dms.deleteReplicationInstance({ ReplicationInstanceArn: instance.ReplicationInstanceArn }),
          () => new OperationError(`DMS refused to delete the replication instance ${rec.id}: it still has tasks, or is busy.`, { hint: "Delete its tasks first (see the DMS console) or wait until it is available, then run cleanup again." }),
        );
        if (r) return r;
      }
      await waitUntil(
        ctx,
        `the replication instance ${rec.id} to be deleted`,
        () => findReplicationInstance(a, rec.id),
        (i) => !i,
        (i) => `replication instance ${rec.id}: ${i?.ReplicationInstanceStatus ?? "deleted"}`,
        INSTANCE_WAITS,
      );
      return "done";
    },

    async deleteSubnetGroup(rec) {
      const a = await aws();
      if (!dry && !(await findSubnetGroup(a, rec.id))) return "already-gone";
      const r = await deleting(
        () => a.dms.deleteReplicationSubnetGroup({ ReplicationSubnetGroupIdentifier: rec.id }),
        () => new OperationError(`DMS refused to delete the replication subnet group ${rec.id}: a replication instance still uses it.`, { hint: "Delete that instance first (cleanup without --keep-instance), then run cleanup again." }),
      );
      return r ?? "done";
    },

    async revokeRule(rec) {
      const groupId = field(rec, "groupId");
      const port = rec["port"];
      const sourceGroupId = field(rec, "sourceGroupId");
      const cidr = field(rec, "cidr");
      if (!groupId || typeof port !== "number" || (!sourceGroupId && !cidr)) {
        throw new OperationError(`The security-group rule ${rec.id} is recorded without its group, port and source, so it cannot be revoked safely.`, {
          hint: `Remove it by hand in the EC2 console, then delete its entry from "resources" in ${ctx.options.statePath} and run cleanup again.`,
        });
      }
      const a = await aws();
      try {
        const out = await a.ec2.revokeSecurityGroupIngress({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: field(rec, "protocol") ?? "tcp",
              FromPort: port,
              ToPort: port,
              // Exactly the rule the tool added: from the other group (or the one CIDR typed), never a wider match.
              ...(sourceGroupId ? { UserIdGroupPairs: [{ GroupId: sourceGroupId }] } : { IpRanges: [{ CidrIp: cidr }] }),
            },
          ],
        });
        // Newer EC2 answers a rule that is not there with UnknownIpPermissions instead of an error.
        if (out.UnknownIpPermissions?.length) return "already-gone";
      } catch (err) {
        if (isAwsError(err, "InvalidPermission.NotFound", "InvalidGroup.NotFound")) return "already-gone";
        throw err;
      }
      return "done";
    },
  };
}
