/** Blocks `[from, to)` of a table; an absent bound is open (the first and last range). */
export interface BlockRange {
  from?: number;
  to?: number;
}

/** Below this many blocks (32 MB at 8 kB) a table is read in one statement. */
export const MIN_RANGE_BLOCKS = 4096;

/**
 * Splits each table of one side into block ranges so `jobs` sessions share a big table: a
 * range holds about a quarter of one session's share of the side's blocks (never fewer than
 * MIN_RANGE_BLOCKS), so a table holding most of the bytes yields several ranges per session
 * and the sessions finish together. The first
 * range has no lower bound and the last no upper bound: rows in blocks added after the sizes
 * were read are still counted. One job, or no sizes (PostgreSQL before 14, where a ctid range
 * is no cheaper than a full scan): one range per table, the whole table.
 */
export function planRanges(blocks: readonly (number | undefined)[], jobs: number): BlockRange[][] {
  const total = blocks.reduce<number>((n, b) => n + (b ?? 0), 0);
  const size = Math.max(MIN_RANGE_BLOCKS, Math.ceil(total / (4 * jobs)));
  return blocks.map((b) => {
    if (jobs <= 1 || b === undefined || b < 2 * MIN_RANGE_BLOCKS) return [{}];
    const parts = Math.max(1, Math.min(64, Math.round(b / size)));
    if (parts === 1) return [{}];
    const step = Math.ceil(b / parts);
    return Array.from({ length: parts }, (_, i) => ({
      ...(i > 0 ? { from: i * step } : {}),
      ...(i < parts - 1 ? { to: (i + 1) * step } : {}),
    }));
  });
}
