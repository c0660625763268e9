import type { CutoverReport } from "./record.js";

const seconds = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100;

/** Pure: the report of a cutover that switched, from its three moments. */
export function switchedReport(frozeAt: string, drainedAt: string, switchedAt: string, sequences: string, rowCounts?: string): CutoverReport {
  return {
    ...(rowCounts ? { rowCounts } : {}),
    frozeAt,
    drainedAt,
    switchedAt,
    drainSeconds: seconds(frozeAt, drainedAt),
    windowSeconds: seconds(frozeAt, switchedAt),
    sequences,
    outcome: "switched",
  };
}

/** Pure: the report of a cutover whose freeze was lifted after `failure`. */
export function rolledBackReport(frozeAt: string, liftedAt: string, failure: string, drainedAt?: string): CutoverReport {
  return {
    frozeAt,
    ...(drainedAt ? { drainedAt, drainSeconds: seconds(frozeAt, drainedAt) } : {}),
    windowSeconds: seconds(frozeAt, liftedAt),
    outcome: "rolled-back",
    failure,
  };
}

/** Pure: the lines a person reads. */
export function reportLines(r: CutoverReport): string[] {
  const lines = [`Writes frozen on the source:   ${r.frozeAt}`];
  if (r.drainedAt) lines.push(`Target had every write:        ${r.drainedAt} (${r.drainSeconds} s after the freeze)`);
  if (r.keyChanges) lines.push(`Primary-key changes repaired:  ${r.keyChanges.keys} key(s) re-synced (${r.keyChanges.recorded} change(s) recorded on the source)`);
  if (r.rowCounts) lines.push(`Row counts after the drain:    ${r.rowCounts}`);
  if (r.sequences) lines.push(`Final sequence sync:           ${r.sequences}`);
  if (r.outcome === "switched") {
    lines.push(`Switch hook finished:          ${r.switchedAt}`);
    lines.push(`Writes were unavailable for ${r.windowSeconds} s.`);
  } else {
    lines.push(`Rolled back: ${r.failure ?? "the cutover failed"}`);
    lines.push(`The freeze was lifted after ${r.windowSeconds} s; the source takes writes again, as before.`);
  }
  return lines;
}
