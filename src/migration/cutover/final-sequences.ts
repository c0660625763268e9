import type { PgClient } from "../../adapters/postgres/connect.js";
import { comparedSchemas } from "../schema/catalog.js";
import { applyOnTarget } from "../sequences/apply.js";
import { readSequences } from "../sequences/read.js";
import { sequenceKey } from "../sequences/types.js";

/** The final sequence sync, read and built before the freeze; run() is two round trips. */
export interface PreparedSequenceSync {
  /** Sequences on the source as listed before the freeze. */
  count: number;
  /**
   * Reads every source position in one query and sets every target sequence that must move in
   * one statement. Returns the report's line and the warnings to print (after the window).
   */
  run(): Promise<{ summary: string; warnings: string[] }>;
}

/**
 * Reads what the final sync needs from the target before the freeze: the extreme values of
 * the columns the sequences feed (the costly part: a query per column), through the same
 * statement as the sync itself, in dry-run. Nothing writes to the target's sequences or
 * reaches past them meanwhile — DMS copies rows with the source's values, which the source's
 * position covers — so after the drain only the source's positions are read (one query) and
 * one statement on the target decides against the target's current state and those extremes,
 * and sets the moves (a sequence not seen before the freeze has its columns read there).
 */
export async function prepareSequenceSync(source: PgClient, target: PgClient, schemas: readonly string[]): Promise<PreparedSequenceSync> {
  const compared = comparedSchemas(schemas);
  const sourceList = await readSequences(source, compared);
  const { targets } = await applyOnTarget(target, sourceList, { dryRun: true });
  const knownExtremes = new Map(targets.filter((t) => !t.cycle).map((t) => [sequenceKey(t), t.columnExtreme ?? null]));
  return {
    count: sourceList.length,
    async run() {
      const { entries } = await applyOnTarget(target, await readSequences(source, compared), { knownExtremes });
      const moves = entries.filter((e) => e.action === "set");
      const missing = entries.filter((e) => e.action === "missing-on-target");
      const outOfRange = entries.filter((e) => e.action === "out-of-range");
      const warnings = [
        ...missing.map((e) => `Sequence ${e.schema}.${e.name} exists on the source but not on the target: inserts that use it will fail there.`),
        ...outOfRange.map((e) => `Sequence ${e.schema}.${e.name} was not set on the target: ${e.reason}.`),
      ];
      const extra = missing.length ? `, ${missing.length} missing on the target` : "";
      return { summary: `${entries.length} sequence(s) checked, ${moves.length} moved forward${extra}`, warnings };
    },
  };
}
