/**
 * The stand-in for CloudWatch's DMS metrics: CDCLatencySource and CDCLatencyTarget of a task,
 * from the replication engine's real lag. Like CloudWatch, a query finds the metric only when
 * it names exactly the dimension set DMS publishes it with — ReplicationInstanceIdentifier
 * (the instance's identifier) and ReplicationTaskIdentifier (the last segment of the task's
 * ARN) — and datapoints are the query's statistic over each period.
 *
 * Datapoints exist only for moments the stand-in looked: a sample is taken at each query while
 * the task replicates (DMS publishes continuously; a dashboard nobody reads needs no points).
 *
 * The time range is CloudWatch's (GetMetricData's StartTime/EndTime): a datapoint is one period's
 * aggregate, stamped with the period's start; StartTime is rounded down (to the period for 1-,
 * 5-, 10-, 20- and 30-second periods, else to the minute, 5 minutes after 15 days, the hour
 * after 63 days) and is inclusive; EndTime is exclusive and applies to the datapoint's
 * timestamp. So a query whose EndTime is now includes the period in progress, and with it the
 * sample taken for this very query.
 */
import type { MetricDataQuery, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchPort } from "../../adapters/aws/ports.js";
import { type Clock, systemClock } from "../../core/clock.js";

interface Sample {
  at: number;
  source: number;
  target: number;
}

export type LatencyReader = (instanceId: string, taskResourceId: string) => Promise<{ source: number; target: number } | undefined>;

const DIMENSIONS = ["ReplicationInstanceIdentifier", "ReplicationTaskIdentifier"] as const;

function aggregate(values: number[], stat: string | undefined): number {
  switch (stat) {
    case "Minimum":
      return Math.min(...values);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "SampleCount":
      return values.length;
    default:
      return Math.max(...values);
  }
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** StartTime as CloudWatch rounds it down (GetMetricData / GetMetricStatistics reference). */
export function roundedStart(start: number, periodMs: number, now: number): number {
  const age = now - start;
  const unit = age > 63 * DAY ? 60 * MINUTE : age > 15 * DAY ? 5 * MINUTE : periodMs < MINUTE ? periodMs : MINUTE;
  return Math.floor(start / unit) * unit;
}

export class StandinCloudWatch implements CloudWatchPort {
  private readonly samples = new Map<string, Sample[]>();
  private readonly clock: Clock;

  constructor(
    private readonly readLatency: LatencyReader,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  private async sample(instanceId: string, taskResourceId: string): Promise<Sample[]> {
    const key = `${instanceId}|${taskResourceId}`;
    const list = this.samples.get(key) ?? [];
    this.samples.set(key, list);
    const latency = await this.readLatency(instanceId, taskResourceId);
    if (latency) list.push({ at: this.clock.now().getTime(), ...latency });
    if (list.length > 5000) list.splice(0, list.length - 5000);
    return list;
  }

  getMetricData: CloudWatchPort["getMetricData"] = async (input) => {
    const now = this.clock.now().getTime();
    const start = input.StartTime ? new Date(input.StartTime).getTime() : 0;
    const end = input.EndTime ? new Date(input.EndTime).getTime() : now;
    const results: MetricDataResult[] = [];
    for (const q of input.MetricDataQueries ?? []) results.push(await this.result(q, start, end, now, input.ScanBy));
    return { MetricDataResults: results, Messages: [] };
  };

  private async result(q: MetricDataQuery, start: number, end: number, now: number, scanBy: string | undefined): Promise<MetricDataResult> {
    const empty: MetricDataResult = { Id: q.Id, Label: q.MetricStat?.Metric?.MetricName, StatusCode: "Complete", Timestamps: [], Values: [] };
    const metric = q.MetricStat?.Metric;
    const name = metric?.MetricName;
    if (metric?.Namespace !== "AWS/DMS" || (name !== "CDCLatencySource" && name !== "CDCLatencyTarget")) return empty;
    const dims = metric.Dimensions ?? [];
    // CloudWatch matches only the exact dimension set the metric was published with.
    if (dims.length !== DIMENSIONS.length || !DIMENSIONS.every((d) => dims.filter((x) => x.Name === d).length === 1)) return empty;
    const value = (d: string): string => dims.find((x) => x.Name === d)?.Value ?? "";
    const samples = await this.sample(value("ReplicationInstanceIdentifier"), value("ReplicationTaskIdentifier"));
    const periodMs = (q.MetricStat?.Period ?? 60) * 1000;
    const from = roundedStart(start, periodMs, now);
    const buckets = new Map<number, number[]>();
    for (const s of samples) {
      if (s.at < from) continue;
      const bucket = from + Math.floor((s.at - from) / periodMs) * periodMs;
      if (bucket >= end) continue;
      const list = buckets.get(bucket) ?? [];
      list.push(name === "CDCLatencySource" ? s.source : s.target);
      buckets.set(bucket, list);
    }
    const points = [...buckets.entries()].map(([at, vs]) => ({ at, v: aggregate(vs, q.MetricStat?.Stat) }));
    points.sort((a, b) => (scanBy === "TimestampAscending" ? a.at - b.at : b.at - a.at));
    return { ...empty, Timestamps: points.map((p) => new Date(p.at)), Values: points.map((p) => p.v) };
  }
}
