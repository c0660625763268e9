import type { AwsServices } from "../../adapters/aws/ports.js";
import type { Series } from "../../plan/sync-verdict.js";
import type { DmsTaskOutput } from "../outputs/aws.js";

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

/** The task's CDCLatencySource and CDCLatencyTarget series over the last minutes, up to `now`. */
export async function readLatencySeries(aws: AwsServices, task: Pick<DmsTaskOutput, "instanceId" | "taskResourceId">, now: Date): Promise<{ source: Series; target: Series }> {
  const out = await aws.cloudwatch.getMetricData(latencyQuery(task.instanceId, task.taskResourceId, now));
  const series = (id: string): Series => {
    const r = out.MetricDataResults?.find((m) => m.Id === id);
    return { timestamps: r?.Timestamps ?? [], values: r?.Values ?? [] };
  };
  return { source: series("latency_source"), target: series("latency_target") };
}
