import type { PgClient } from "../adapters/postgres/connect.js";
import { comparedSchemas } from "../schema/catalog.js";
import { planSequenceSync } from "../sequences/plan.js";
import { readSequences, readTargetSequences } from "../sequences/read.js";

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
 * Reads what the final sync needs from the target before the freeze: its sequences, their
 * positions and the extreme values of the columns they feed (the costly part: a max() per
 * column). Nothing writes to the target's sequences or reaches past them meanwhile — DMS
 * copies rows with the source's values, which the source's position covers — so after the
 * drain only the source's positions are read (one query) and the moves set (one statement).
 */
export async function prepareSequenceSync(source: PgClient, target: PgClient, schemas: readonly string[]): Promise<PreparedSequenceSync> {
  const compared = comparedSchemas(schemas);
  const [targetSequences, sourceList] = await Promise.all([readTargetSequences(target, compared), readSequences(source, compared)]);
  return {
    count: sourceList.length,
    async run() {
      const entries = planSequenceSync(await readSequences(source, compared), targetSequences);
      const moves = entries.filter((e) => e.action === "set");
      if (moves.length > 0) {
        await target.query(
          `SELECT pg_catalog.setval(format('%I.%I', u.s, u.n)::regclass, u.v, u.c)
             FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bool[]) AS u(s, n, v, c)`,
          [moves.map((e) => e.schema), moves.map((e) => e.name), moves.map((e) => e.to!.lastValue.toString()), moves.map((e) => e.to!.isCalled)],
        );
      }
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
