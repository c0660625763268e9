/** Below this many blocks (32 MB at 8 kB) a table is not worth parallel workers. */
export const MIN_PARALLEL_BLOCKS = 4096;

/**
 * Which tables of one side are read with parallel workers: those holding more than a
 * `jobs`-th of the side's blocks (a table holding most of the bytes), where `jobs` sessions
 * each taking whole tables would leave all but one idle while it is read. Such a table is
 * read alone, by one session with `jobs - 1` parallel workers (PostgreSQL's parallel
 * sequential scan hands out its blocks; one statement, so one snapshot). No sizes (a server
 * before 12) or one job: none.
 */
export function parallelTables(blocks: readonly (number | undefined)[], jobs: number): boolean[] {
  const total = blocks.reduce<number>((n, b) => n + (b ?? 0), 0);
  return blocks.map((b) => jobs > 1 && b !== undefined && b >= MIN_PARALLEL_BLOCKS && b * jobs > total);
}
