import type { AwsServices } from "../adapters/aws/ports.js";
import { OperationError } from "../core/errors.js";
import { type Series, type SyncReading, evaluateSync, syncLine } from "../plan/sync-verdict.js";
import type { Step, StepContext } from "../migration/context.js";
import { awsFor, requireOutput } from "../migration/aws/context.js";
import { findTask } from "../migration/aws/lookups.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError } from "../migration/aws/resources.js";
import { type DmsTaskOutput, verifyTask } from "./dms-task.js";

/** CloudWatch's finest period for DMS's standard-resolution metrics. */
export const PERIOD_SECONDS = 60;

/**
 * The CDC latency query for one task. CloudWatch matches only the exact published dimension
 * set: ReplicationInstanceIdentifier (the instance's identifier, lowercase) AND
 * ReplicationTaskIdentifier (the task ARN's last segment, not the task's name).
 */
export function latencyQuery(instanceId: string, taskResourceId: string, end: Date, windowMinutes = 15) {
  const dimensions = [
    { Name: "ReplicationInstanceIdentifier", Value: instanceId.toLowerCase() },
    { Name: "ReplicationTaskIdentifier", Value: taskResourceId },
  ];
  const metric = (Id: string, MetricName: string) => ({
    Id,
    MetricStat: { Metric: { Namespace: "AWS/DMS", MetricName, Dimensions: dimensions }, Period: PERIOD_SECONDS, Stat: "Maximum" },
    ReturnData: true,
  });
  return {
    StartTime: new Date(end.getTime() - windowMinutes * 60_000),
    EndTime: end,
    ScanBy: "TimestampDescending" as const,
    MetricDataQueries: [metric("latency_source", "CDCLatencySource"), metric("latency_target", "CDCLatencyTarget")],
  };
}

/** Step 11: wait until CDC latency stays under the threshold for N consecutive periods. */
export const syncWaitStep: Step = {
  id: "sync-wait",
  title: "Wait for sync",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const task = requireOutput<DmsTaskOutput>(ctx, "dms-task", "The DMS task");
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
    const reading = await pollUntil<SyncReading>(ctx, {
      what: "CDC to catch up",
      until: `CDC latency (source and target) is at most ${threshold} s for ${periods} consecutive ${PERIOD_SECONDS}-second periods`,
      read: () => readLatency(ctx, aws, task, threshold, periods),
      show: (r) => syncLine(r, threshold, periods),
      done: (r) => r.done,
      firstDelayMs: PERIOD_SECONDS * 1000,
      maxDelayMs: PERIOD_SECONDS * 1000,
      timeoutMs: 24 * 3600_000,
      successText: (r) => `In sync: ${syncLine(r, threshold, periods)}`,
    });
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

/** The task's CDCLatencySource and CDCLatencyTarget series over the last minutes, up to `now`. */
export async function readLatencySeries(aws: AwsServices, task: Pick<DmsTaskOutput, "instanceId" | "taskResourceId">, now: Date): Promise<{ source: Series; target: Series }> {
  const out = await aws.cloudwatch.getMetricData(latencyQuery(task.instanceId, task.taskResourceId, now));
  const series = (id: string): Series => {
    const r = out.MetricDataResults?.find((m) => m.Id === id);
    return { timestamps: r?.Timestamps ?? [], values: r?.Values ?? [] };
  };
  return { source: series("latency_source"), target: series("latency_target") };
}
