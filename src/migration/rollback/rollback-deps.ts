import { BlockedError } from "../../core/errors.js";
import { jointPoints } from "../../plan/sync-verdict.js";
import type { ResourceRecord } from "../../state/schema.js";
import type { StepContext } from "../context.js";
import { awsFor } from "../aws/context.js";
import { readLatencySeries } from "../aws/latency.js";
import { findTask } from "../aws/lookups.js";
import { RES, field, goneError } from "../aws/resources.js";
import { cleanupDepsFor } from "../cleanup/aws-deps.js";
import { readOutput } from "../outputs/read.js";

/**
 * The rollback's AWS side, injected (rollbackDepsFor builds it over this run's AWS services):
 * the reverse task's status and CDC latency (the sync wait's CloudWatch query), and its stop.
 */
export interface RollbackDeps {
  reverseTaskStatus(): Promise<string>;
  /** The larger of CDCLatencySource and CDCLatencyTarget at the latest joint point; undefined while none. */
  reverseLatencySeconds(): Promise<number | undefined>;
  /** Stops the reverse task and waits until it is at rest ("already-gone" when it is stopped or gone). */
  stopReverseTask(): Promise<void>;
}

/** The reverse task the cutover recorded (RES.reverseTask). */
export function recordedReverseTask(ctx: Pick<StepContext, "state" | "options">): ResourceRecord {
  const rec = ctx.state.resources[RES.reverseTask];
  if (!rec) {
    throw new BlockedError(`No reverse DMS task is recorded in ${ctx.options.statePath}, so nothing carries Aurora's writes back to the old server. Nothing was changed.`, {
      hint: "The rollback window is prepared by the cutover when rollback.window is yes (asked in step 2); without it, going back means `aurora-migrate cutover --unfreeze` after pointing the app at the old server, losing what was written on Aurora since.",
    });
  }
  return rec;
}

export function rollbackDepsFor(ctx: StepContext): RollbackDeps {
  const dryRunAssumption = (what: string): void => ctx.reporter.info(`[dry-run] ${what} is not read in a dry run; assumed ready so the rest of the plan is shown.`);
  return {
    async reverseTaskStatus() {
      const rec = recordedReverseTask(ctx);
      const aws = await awsFor(ctx);
      const by = rec.arn ? { arn: rec.arn } : { id: rec.id };
      if (ctx.options.dryRun) {
        await aws.dms.describeReplicationTasks({ Filters: [{ Name: rec.arn ? "replication-task-arn" : "replication-task-id", Values: [rec.arn ?? rec.id] }] });
        dryRunAssumption("The reverse task's status");
        return "running";
      }
      const found = await findTask(aws, by);
      if (!found) throw goneError("reverse DMS task", rec.id, RES.reverseTask, ctx.options.statePath);
      return found.Status ?? "unknown";
    },

    async reverseLatencySeconds() {
      const rec = recordedReverseTask(ctx);
      const forward = readOutput(ctx, "dms-task");
      const instanceId = field(rec, "instanceId") ?? forward?.instanceId ?? field(ctx.state.resources[RES.instance], "id") ?? ctx.state.resources[RES.instance]?.id ?? "";
      const taskResourceId = field(rec, "taskResourceId") ?? rec.arn?.split(":").pop() ?? rec.id;
      const aws = await awsFor(ctx);
      const { source, target } = await readLatencySeries(aws, { instanceId, taskResourceId }, ctx.clock.now());
      if (ctx.options.dryRun) {
        dryRunAssumption("The reverse task's CDC latency");
        return 0;
      }
      const latest = jointPoints(source, target)[0];
      return latest ? Math.max(latest.source, latest.target) : undefined;
    },

    async stopReverseTask() {
      await cleanupDepsFor(ctx).stopTask(recordedReverseTask(ctx));
    },
  };
}
