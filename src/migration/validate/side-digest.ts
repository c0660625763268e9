import type { PgClient } from "../../adapters/postgres/connect.js";
import { throwIfAborted } from "../../core/clock.js";
import { mapLimit } from "../../core/concurrency.js";
import { type TableDigest, digestSql, useStableTextSettings } from "./checksum.js";
import { parallelTables } from "./parallel-tables.js";

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

/** A table of one side to digest, with its size when known. */
export interface SideWork {
  schema: string;
  name: string;
  rowHash: string | null;
  blocks?: number;
}

/** Opens sessions with the stable text settings until `pool` holds `wanted`. */
async function fillPool(pool: PgClient[], wanted: number, connect: () => Promise<PgClient>): Promise<void> {
  while (pool.length < wanted) {
    const client = await connect();
    pool.push(client);
    await useStableTextSettings(client);
  }
}

/**
 * One side's whole digest with `jobs` backends: biggest tables first, a table holding most of
 * the side's bytes read with parallel workers (parallelTables), the pool filled up to `jobs`
 * sessions (`pool` may already hold some, each with the stable text settings; the caller
 * closes them). `onTable` gets the index in `work` of each table as it is done.
 */
export async function digestSideBiggestFirst(
  pool: PgClient[],
  connect: () => Promise<PgClient>,
  work: readonly SideWork[],
  jobs: number,
  onTable: (index: number, digest: TableDigest) => void,
  signal?: AbortSignal,
): Promise<void> {
  const order = work.map((w, i) => ({ w, i })).sort((x, y) => (y.w.blocks ?? 0) - (x.w.blocks ?? 0));
  const parallel = parallelTables(
    order.map((x) => x.w.blocks),
    jobs,
  );
  const tables: SideTable[] = order.map((x, k) => ({ schema: x.w.schema, name: x.w.name, rowHash: x.w.rowHash, parallel: parallel[k]! }));
  await fillPool(pool, Math.min(jobs, Math.max(1, tables.length)), connect);
  await digestSide(pool, tables, (k, digest) => onTable(order[k]!.i, digest), signal);
}
