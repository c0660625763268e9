/**
 * Throughput and ETA from readings of a growing counter (rows loaded, or percent done), pure.
 * The rate is a time-weighted average that forgets exponentially: the growth and the time of
 * each interval both decay with age, and the rate is their ratio. A slow start (a table's
 * first rows take a while) or one odd poll does not swing the ETA for long, and the intervals
 * may be of any length (the wizard's polls slow down from 15 s to 60 s).
 */

export interface RateState {
  /** When the last reading was taken (ms since the epoch). */
  at: number;
  /** The counter at that reading. */
  done: number;
  /** Decayed sums of the growth and of the milliseconds it took. */
  growth: number;
  elapsedMs: number;
  /** Units per second; undefined until two readings. */
  perSecond?: number;
}

/** How long the average remembers: an interval this old weighs 1/e of a new one. */
export const RATE_MEMORY_MS = 120_000;

/**
 * The state after a reading. The first reading (or one after the counter went back, e.g. a
 * table reloaded) only sets the starting point; a reading at the same instant changes nothing.
 */
export function observeRate(prev: RateState | undefined, at: number, done: number, memoryMs = RATE_MEMORY_MS): RateState {
  if (!prev || done < prev.done) return { at, done, growth: 0, elapsedMs: 0 };
  const dt = at - prev.at;
  if (dt <= 0) return prev;
  const decay = Math.exp(-dt / memoryMs);
  const growth = prev.growth * decay + (done - prev.done);
  const elapsedMs = prev.elapsedMs * decay + dt;
  return { at, done, growth, elapsedMs, perSecond: (growth * 1000) / elapsedMs };
}

/** Seconds until `total` at the observed rate; undefined until two readings, or while nothing moves. */
export function etaSeconds(state: RateState | undefined, total: number | undefined): number | undefined {
  if (!state || state.perSecond === undefined || total === undefined) return undefined;
  const remaining = total - state.done;
  if (remaining <= 0) return 0;
  if (state.perSecond <= 0) return undefined;
  return remaining / state.perSecond;
}
