import type { AwsServices } from "../adapters/aws/ports.js";
import { OperationError } from "../core/errors.js";
import { type SyncReading, evaluateSync, syncLine } from "../plan/sync-verdict.js";
import type { Step, StepContext } from "../migration/context.js";
import { awsFor } from "../migration/aws/context.js";
import { PERIOD_SECONDS, readLatencySeries } from "../migration/aws/latency.js";
import { findTask } from "../migration/aws/lookups.js";
import type { DmsTaskOutput } from "../migration/outputs/aws.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError } from "../migration/aws/resources.js";
import { verifyTask } from "../migration/aws/recorded-task.js";
import { requireOutput } from "../migration/outputs/read.js";
import { WalWatch } from "../migration/wal-guard.js";
import { warnSchemaDrift } from "../migration/schema/drift-check.js";

/** Step 11: wait until CDC latency stays under the threshold for N consecutive periods. */
export const syncWaitStep: Step = {
  id: "sync-wait",
  title: "Wait for sync",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const task = requireOutput(ctx, "dms-task", "The DMS task");
    const threshold = await ctx.prompter.number({
      id: "sync.thresholdSeconds",
      message: "In sync when CDC latency (source and target) is at most how many seconds?",
      default: 5,
      min: 0,
      max: 3600,
    });
    const periods = await ctx.prompter.number({
      id: "sync.periods",
      message: `…for how many consecutive ${PERIOD_SECONDS}-second periods?`,
      default: 3,
      min: 1,
      max: 60,
      integer: true,
    });
    // DDL on the source since the schema load: said before the wait and again once in sync.
    await warnSchemaDrift(ctx);
    const wal = new WalWatch(ctx);
    const reading = await pollUntil<SyncReading>(ctx, {
      what: "CDC to catch up",
      until: `CDC latency (source and target) is at most ${threshold} s for ${periods} consecutive ${PERIOD_SECONDS}-second periods`,
      read: async () => {
        const r = await readLatency(ctx, aws, task, threshold, periods);
        await wal.look();
        return r;
      },
      show: (r) => syncLine(r, threshold, periods) + wal.text,
      done: (r) => r.done,
      firstDelayMs: PERIOD_SECONDS * 1000,
      maxDelayMs: PERIOD_SECONDS * 1000,
      timeoutMs: 24 * 3600_000,
      successText: (r) => `In sync: ${syncLine(r, threshold, periods)}${wal.text}`,
    }).finally(() => wal.close());
    await warnSchemaDrift(ctx);
    const l = reading.latest;
    return { summary: l ? `latency source ${l.source.toFixed(0)} s, target ${l.target.toFixed(0)} s` : "in sync" };
  },
  verify: verifyTask,
};

async function readLatency(ctx: StepContext, aws: AwsServices, task: DmsTaskOutput, threshold: number, periods: number): Promise<SyncReading> {
  // Latency says nothing about a task that is no longer running: check it on every round.
  const t = await findTask(aws, { arn: task.taskArn });
  if (!t) throw goneError("DMS task", task.taskId, RES.task, ctx.options.statePath);
  if (t.Status !== "running") {
    throw new OperationError(`The task ${task.taskId} is ${t.Status ?? "?"}, not running: ${t.LastFailureMessage ?? t.StopReason ?? "no reason given"}`, {
      hint: "See the task's CloudWatch log; once it runs again (resume-processing), resume the wizard.",
    });
  }
  const { source, target } = await readLatencySeries(aws, task, ctx.clock.now());
  return evaluateSync(source, target, threshold, periods);
}
