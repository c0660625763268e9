/**
 * CDC latency from the real lag, for the stand-in's CloudWatch (`CDCLatencySource`,
 * `CDCLatencyTarget`, in seconds). DMS defines them as the age of the oldest change not yet
 * read from the source, and not yet committed on the target. PostgreSQL knows positions
 * (LSNs), not ages, so the engine samples the source's WAL position over time: the age of the
 * oldest pending change is the time since the WAL first went past the position the subscriber
 * has reached. `pg_stat_replication.replay_lag` cannot serve: it is only updated when the
 * apply position moves, so it stays small while the apply is stuck.
 */

/** An LSN such as `16/B374D848` as a number, for comparing positions. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split("/");
  if (hi === undefined || lo === undefined) throw new Error(`Not an LSN: ${lsn}`);
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

interface Sample {
  at: number;
  lsn: bigint;
}

/** When the source's WAL reached which position; bounded in size. */
export class WalPositionHistory {
  private readonly samples: Sample[] = [];

  constructor(private readonly keep = 4096) {}

  record(at: Date, lsn: string): void {
    const value = parseLsn(lsn);
    const last = this.samples[this.samples.length - 1];
    if (last && last.lsn === value) return; // the WAL did not move: the older sample says when it got here
    this.samples.push({ at: at.getTime(), lsn: value });
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
  }

  /**
   * Seconds since the WAL first went past `reached` (0 when nothing is past it). When the
   * history starts after that moment (a restarted process), the age is counted from the
   * oldest sample: an underestimate that grows, never a made-up figure.
   */
  ageSeconds(reached: string, now: Date): number {
    const position = parseLsn(reached);
    const latest = this.samples[this.samples.length - 1];
    if (!latest || latest.lsn <= position) return 0;
    const firstPast = this.samples.find((s) => s.lsn > position) as Sample;
    return Math.max(0, Math.floor((now.getTime() - firstPast.at) / 1000));
  }
}
