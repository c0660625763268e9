import { qualified } from "../../plan/sql-text.js";
import type { Reporter } from "../../ui/reporter.js";
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

/** How many names a warning lists before pointing at --verbose. */
const LISTED = 5;

const listed = (names: string[]): string => (names.length > LISTED ? `${names.slice(0, LISTED).join(", ")} and ${names.length - LISTED} more` : names.join(", "));

/**
 * Human report: one line of counts; every sequence's line (moved, unchanged, why) only with
 * --verbose (and in --json); `details: false` when the caller knows they will not be shown. What needs the person — sequences missing on the target, positions
 * the target's bounds refuse — gets one warning each, naming a few, with what to do.
 */
export function printSequenceReport(r: SequenceSyncReport, reporter: Reporter, o: { details?: boolean } = {}): void {
  const verb = r.dryRun ? "would move" : "moved";
  // `details: false` (the caller knows --verbose is off): the lines are not even built.
  if (o.details !== false) for (const e of r.entries) {
    const name = qualified(e.schema, e.name);
    if (e.action === "set") reporter.detail(`  ${verb.padEnd(10)} ${name}: ${formatState(e.target!)} → ${formatState(e.to!)} (${e.reason})`);
    else if (e.action === "missing-on-target") reporter.detail(`  missing    ${name}: at ${formatState(e.source)} on the source, absent on the target`);
    else if (e.action === "out-of-range") reporter.detail(`  not moved  ${name}: needs ${formatState(e.to!)} but ${e.reason}`);
    else reporter.detail(`  unchanged  ${name}: ${formatState(e.target!)} (${e.reason})`);
  }
  const summary = `${r.entries.length} sequence(s) checked in ${r.schemas.join(", ") || "no schema"}: ${r.moved} ${verb}, ${r.unchanged} unchanged (at or past the source), ${r.missingOnTarget} missing on the target, ${r.outOfRange} out of range`;
  if (r.missingOnTarget + r.outOfRange > 0) reporter.warn(summary);
  else reporter.success(summary);
  const names = (a: string): string[] => r.entries.filter((e) => e.action === a).map((e) => qualified(e.schema, e.name));
  if (r.missingOnTarget > 0) {
    reporter.warn(`Missing on the target (not created): ${listed(names("missing-on-target"))}. Create them there (load the schema again), then run sync-sequences again.`);
  }
  if (r.outOfRange > 0) {
    reporter.warn(
      `Not moved, the target's MINVALUE/MAXVALUE refuse the source's position: ${listed(names("out-of-range"))}. Align each sequence's definition with the source's (ALTER SEQUENCE on the target), then run sync-sequences again.`,
    );
  }
  if (r.dryRun) reporter.info("Dry run: nothing was changed.");
}
