/** One migrated table's row count on each side; `target` undefined when the table is missing there. */
export interface TableCount {
  table: string;
  source: number;
  target: number | undefined;
}

/**
 * The most a table on the target may trail the source before the freeze. With the app writing,
 * the target trails by the rows committed during the CDC latency (a few seconds: the latency
 * precondition caps it) plus the instants between the two count queries. 1000 rows covers a
 * few seconds of a busy OLTP table; 1 % keeps the bound in scale for a large table whose bulk
 * writes land in bursts. More than that is not lag but a table DMS did not (fully) load.
 */
export function lagTolerance(sourceRows: number): number {
  return Math.max(1000, Math.ceil(sourceRows * 0.01));
}

/**
 * Pure: the tables whose counts CDC lag cannot explain, one line each with the figures.
 * Blocks: a table missing on the target, or a gap over lagTolerance either way (the target may
 * trail deletes too, so a small excess is lag). An empty target table is judged by the same
 * bound: a table that just received its first rows is lag, and a small table DMS skipped is
 * caught by the exact count after the drain (which lifts the freeze).
 */
export function tolerantCountProblems(counts: readonly TableCount[]): string[] {
  return counts.flatMap((c) => {
    if (c.target === undefined) return [`${c.table}: missing on the target`];
    const gap = Math.abs(c.source - c.target);
    const limit = lagTolerance(c.source);
    return gap > limit ? [`${c.table}: source ${c.source}, target ${c.target} (${gap} apart, more than the ${limit} CDC lag can explain)`] : [];
  });
}

/** Pure: every table whose counts are not exactly equal (after the drain nothing may differ). */
export function exactCountDifferences(counts: readonly TableCount[]): string[] {
  return counts.flatMap((c) =>
    c.target === undefined ? [`${c.table}: missing on the target`] : c.source !== c.target ? [`${c.table}: source ${c.source}, target ${c.target}`] : [],
  );
}
