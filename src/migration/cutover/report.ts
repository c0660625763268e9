import type { CutoverReport, Verification } from "./record.js";

const seconds = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100;

export type WindowBreakdown = NonNullable<CutoverReport["window"]>;

/** Pure: the report of a cutover that switched. */
export function switchedReport(o: {
  frozeAt: string;
  drainedAt: string;
  switchedAt: string;
  sequences: string;
  window: WindowBreakdown;
  keyChanges?: CutoverReport["keyChanges"];
}): CutoverReport {
  return {
    frozeAt: o.frozeAt,
    drainedAt: o.drainedAt,
    switchedAt: o.switchedAt,
    drainSeconds: seconds(o.frozeAt, o.drainedAt),
    windowSeconds: seconds(o.frozeAt, o.switchedAt),
    window: o.window,
    sequences: o.sequences,
    ...(o.keyChanges ? { keyChanges: o.keyChanges } : {}),
    outcome: "switched",
  };
}

/** Pure: the report of a cutover whose freeze was lifted after `failure`. */
export function rolledBackReport(frozeAt: string, liftedAt: string, failure: string, drainedAt?: string, window?: WindowBreakdown): CutoverReport {
  return {
    frozeAt,
    ...(drainedAt ? { drainedAt, drainSeconds: seconds(frozeAt, drainedAt) } : {}),
    windowSeconds: seconds(frozeAt, liftedAt),
    ...(window ? { window } : {}),
    outcome: "rolled-back",
    failure,
  };
}

/** Pure: "freeze 12 ms, drain 40 ms, …" for the phases measured. */
export function breakdownLine(w: WindowBreakdown): string {
  const parts: [string, number | undefined][] = [
    ["freeze", w.freezeMs],
    ["drain", w.drainMs],
    ["key-change repair", w.keyChangesMs],
    ["sequence sync", w.sequencesMs],
    ["forward task stop", w.forwardStopMs],
    ["Aurora slot", w.slotMs],
    ["switch hook", w.hookMs],
  ];
  return parts
    .filter((p): p is [string, number] => p[1] !== undefined)
    .map(([name, ms]) => `${name} ${ms} ms`)
    .join(", ");
}

/** Pure: the verification's lines. */
export function verificationLines(v: Verification): string[] {
  const how = v.mode === "checksum" ? "row counts and checksums" : "exact row counts";
  const took = v.ms !== undefined ? ` (${(v.ms / 1000).toFixed(2)} s, after the switch)` : "";
  switch (v.result) {
    case "equal":
      return [`Source and target as of the drain: ${how} equal in ${v.tables ?? 0} table(s)${took}`];
    case "differ":
      return [`Source and target as of the drain DIFFER in ${v.differences.length} table(s) (${how})${took}:`, ...v.differences.map((d) => `  - ${d}`)];
    case "failed":
      return [`The comparison after the switch could not run: ${v.error ?? "unknown error"}${took}`];
    default:
      return [`No comparison after the switch${v.error ? `: ${v.error}` : " (cutover.verify none)"}`];
  }
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
    if (r.windowSeconds !== undefined) lines.push(`Writes were unavailable for ${r.windowSeconds} s.`);
  } else {
    lines.push(`Rolled back: ${r.failure ?? "the cutover failed"}`);
    lines.push(`The freeze was lifted after ${r.windowSeconds} s; the source takes writes again, as before.`);
  }
  if (r.window) lines.push(`The write window, phase by phase: ${breakdownLine(r.window)}.`);
  if (r.verification) lines.push(...verificationLines(r.verification));
  return lines;
}
