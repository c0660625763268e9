import { BlockedError } from "../../core/errors.js";
import type { ResourceRecord } from "../../state/schema.js";
import type { StepContext } from "../context.js";
import { recordedTaskReadings } from "../aws/task-readings.js";
import { RES, field } from "../aws/resources.js";
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
  const reverse = recordedTaskReadings(ctx, { gone: "reverse DMS task", subject: "The reverse task" }, () => {
    const rec = recordedReverseTask(ctx);
    const forward = readOutput(ctx, "dms-task");
    return {
      id: rec.id,
      ...(rec.arn ? { arn: rec.arn } : {}),
      resourceKey: RES.reverseTask,
      instanceId: field(rec, "instanceId") ?? forward?.instanceId ?? field(ctx.state.resources[RES.instance], "id") ?? ctx.state.resources[RES.instance]?.id ?? "",
      taskResourceId: field(rec, "taskResourceId") ?? rec.arn?.split(":").pop() ?? rec.id,
    };
  });
  return {
    reverseTaskStatus: () => reverse.status(),
    reverseLatencySeconds: () => reverse.latencySeconds(),
    async stopReverseTask() {
      await cleanupDepsFor(ctx).stopTask(recordedReverseTask(ctx));
    },
  };
}
