/**
 * Whether CDC has caught up, from CloudWatch's CDCLatencySource and CDCLatencyTarget series
 * (seconds). Only periods where both metrics have a datapoint count; "no datapoint" means
 * unknown, never zero (DMS publishes nothing until the task applies changes).
 */
export interface Series {
  timestamps: readonly Date[];
  values: readonly number[];
}

export type Trend = "rising" | "falling" | "steady" | "unknown";

export interface SyncReading {
  /** Newest period where both metrics have a value. */
  latest?: JointPoint;
  trend: Trend;
  /** Newest-first run of periods with both latencies at or under the threshold. */
  consecutiveUnder: number;
  done: boolean;
  /** Neither metric has any datapoint yet. */
  noData: boolean;
}

/** A period where both latencies have a datapoint. */
export interface JointPoint {
  at: Date;
  source: number;
  target: number;
}

/** The periods where both metrics have a datapoint, newest first. */
export function jointPoints(source: Series, target: Series): JointPoint[] {
  const bySource = new Map<number, number>();
  source.timestamps.forEach((t, i) => {
    const v = source.values[i];
    if (v !== undefined) bySource.set(t.getTime(), v);
  });
  const joint: JointPoint[] = [];
  target.timestamps.forEach((t, i) => {
    const tv = target.values[i];
    const sv = bySource.get(t.getTime());
    if (tv !== undefined && sv !== undefined) joint.push({ at: t, source: sv, target: tv });
  });
  return joint.sort((a, b) => b.at.getTime() - a.at.getTime());
}

export function evaluateSync(source: Series, target: Series, thresholdSeconds: number, periods: number): SyncReading {
  const joint = jointPoints(source, target);
  let consecutiveUnder = 0;
  for (const p of joint) {
    if (Math.max(p.source, p.target) > thresholdSeconds) break;
    consecutiveUnder += 1;
  }
  const [latest, previous] = joint;
  let trend: Trend = "unknown";
  if (latest && previous) {
    const now = Math.max(latest.source, latest.target);
    const before = Math.max(previous.source, previous.target);
    trend = now > before ? "rising" : now < before ? "falling" : "steady";
  }
  return {
    ...(latest ? { latest } : {}),
    trend,
    consecutiveUnder,
    done: consecutiveUnder >= periods,
    noData: source.values.length === 0 && target.values.length === 0,
  };
}

/** The trend in words: a first period has nothing to compare with. */
export function trendWords(trend: Trend): string {
  return trend === "unknown" ? "first reading" : trend;
}

/** The live line: both latencies, the trend in words, and the run under the threshold. */
export function syncLine(r: SyncReading, thresholdSeconds: number, periods: number): string {
  if (r.noData) return "No CDC latency datapoints yet: DMS publishes them once the task applies changes (the first can take a few minutes).";
  if (!r.latest) return "CDC latency: waiting for a period with both source and target datapoints.";
  const { source, target } = r.latest;
  return `CDC latency: source ${source.toFixed(0)} s, target ${target.toFixed(0)} s, ${trendWords(r.trend)}; ${r.consecutiveUnder}/${periods} periods under ${thresholdSeconds} s`;
}
