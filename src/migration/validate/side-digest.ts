import type { PgClient } from "../../adapters/postgres/connect.js";
import { throwIfAborted } from "../../core/clock.js";
import { mapLimit } from "../../core/concurrency.js";
import { type TableDigest, digestSql } from "./checksum.js";

/** One table of one side. */
export interface SideTable {
  schema: string;
  name: string;
  /** row-hash.ts expression, or null for counts only. */
  rowHash: string | null;
  /** Read alone with `jobs - 1` parallel workers (parallel-tables.ts). */
  parallel: boolean;
}

/**
 * Digests every table of one side with `sessions` (one backend each, see checksum.ts):
 * first the tables marked `parallel`, one at a time, each by one session allowed
 * `sessions.length - 1` parallel workers; then the others, `sessions.length` at once.
 * `onTable` gets each table's digest as it is done.
 */
export async function digestSide(
  sessions: readonly PgClient[],
  tables: readonly SideTable[],
  onTable: (index: number, digest: TableDigest) => void,
  signal?: AbortSignal,
): Promise<void> {
  const jobs = sessions.length;
  const first = sessions[0]!;
  for (const [i, t] of tables.entries()) {
    if (!t.parallel) continue;
    throwIfAborted(signal);
    const results = (await first.query(
      `SET max_parallel_workers_per_gather = ${jobs - 1}; ${digestSql(t.schema, t.name, t.rowHash)}; SET max_parallel_workers_per_gather = 0`,
    )) as unknown as { rows: TableDigest[] }[];
    onTable(i, results[1]!.rows[0]!);
  }
  const rest = [...tables.entries()].filter(([, t]) => !t.parallel);
  const free = [...sessions];
  await mapLimit(rest, jobs, async ([i, t]) => {
    throwIfAborted(signal);
    const s = free.pop()!;
    try {
      onTable(i, (await s.query<TableDigest>(digestSql(t.schema, t.name, t.rowHash))).rows[0]!);
    } finally {
      free.push(s);
    }
  });
}
