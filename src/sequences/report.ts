import { qualified } from "../adapters/postgres/sql.js";
import type { Reporter } from "../ui/reporter.js";
import type { SequenceSyncReport } from "./sync.js";
import { formatState } from "./types.js";

/** The report as plain JSON (bigints as strings, so no precision is lost). */
export function sequenceReportJson(r: SequenceSyncReport): unknown {
  const state = (s: { lastValue: bigint; isCalled: boolean } | undefined) => (s ? { lastValue: s.lastValue.toString(), isCalled: s.isCalled } : undefined);
  return {
    schemas: r.schemas,
    dryRun: r.dryRun,
    moved: r.moved,
    unchanged: r.unchanged,
    missingOnTarget: r.missingOnTarget,
    outOfRange: r.outOfRange,
    sequences: r.entries.map((e) => ({
      schema: e.schema,
      name: e.name,
      action: e.action,
      reason: e.reason,
      source: state(e.source),
      ...(e.target ? { target: state(e.target) } : {}),
      ...(e.to ? { to: state(e.to) } : {}),
    })),
  };
}

/** Human report: what moved (or would), what was already in step, what is missing. */
export function printSequenceReport(r: SequenceSyncReport, reporter: Reporter): void {
  const verb = r.dryRun ? "would move" : "moved";
  for (const e of r.entries) {
    const name = qualified(e.schema, e.name);
    if (e.action === "set") reporter.info(`  ${verb.padEnd(10)} ${name}: ${formatState(e.target!)} → ${formatState(e.to!)} (${e.reason})`);
    else if (e.action === "missing-on-target") reporter.warn(`missing    ${name} exists on the source (at ${formatState(e.source)}) but not on the target; not created`);
    else if (e.action === "out-of-range")
      reporter.warn(`not moved  ${name}: needs ${formatState(e.to!)} but ${e.reason}; align the sequence's definition with the source's (ALTER SEQUENCE), then run sync-sequences again`);
    else reporter.detail(`  unchanged  ${name}: ${formatState(e.target!)} (${e.reason})`);
  }
  const summary = `${r.entries.length} sequence(s) in ${r.schemas.join(", ") || "no schema"}: ${r.moved} ${verb}, ${r.unchanged} already at or past the source, ${r.missingOnTarget} missing on the target${r.outOfRange ? `, ${r.outOfRange} outside the target's bounds` : ""}`;
  if (r.missingOnTarget + r.outOfRange > 0) reporter.warn(summary);
  else reporter.success(summary);
  if (r.dryRun) reporter.info("Dry run: nothing was changed.");
}
