/**
 * Replication-instance advice used only when the preflight recorded none (its own advice,
 * in instance-advice.ts, has the full picture). The hand procedure moved 15 GB in about
 * 5 hours on a dms.t2.medium; burstable classes run out of CPU credits on long loads.
 */
export interface InstanceAdvice {
  instanceClass: string;
  reason: string;
  /** DMS storage for logs and cached changes while the full load runs, GB. */
  storageGb: number;
}

const GB = 1024 ** 3;

export function fallbackInstanceAdvice(databaseSizeBytes: number | undefined): InstanceAdvice {
  if (databaseSizeBytes === undefined) {
    return { instanceClass: "dms.c5.large", reason: "the database size is unknown, so a mid-size compute class", storageGb: 100 };
  }
  const gb = databaseSizeBytes / GB;
  const storageGb = Math.min(6144, Math.max(50, Math.ceil(gb * 0.5 / 50) * 50));
  const size = `${gb < 10 ? gb.toFixed(1) : Math.round(gb)} GB`;
  if (gb < 10) return { instanceClass: "dms.t3.medium", reason: `the database is small (${size}); a burstable class finishes before its CPU credits run out`, storageGb };
  if (gb < 100) return { instanceClass: "dms.c5.large", reason: `the database is ${size}: a compute class keeps a multi-hour load from being throttled`, storageGb };
  if (gb < 500) return { instanceClass: "dms.c5.xlarge", reason: `the database is ${size}: more vCPUs load more tables in parallel`, storageGb };
  return { instanceClass: "dms.c5.2xlarge", reason: `the database is large (${size}): more vCPUs and memory for parallel loads and cached changes`, storageGb };
}
