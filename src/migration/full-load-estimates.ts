/**
 * The source's row estimates for the full load's progress line: pg_class.reltuples of every
 * ordinary table (leaf partitions included; partitioned parents hold no rows and the task's
 * mappings exclude them) in the task's schemas, read once when the wait starts.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import { type RowEstimates, tableKey } from "../ui/progress-full-load.js";

export async function readRowEstimates(source: PgClient, schemas: readonly string[]): Promise<RowEstimates> {
  const { rows } = await source.query<{ schema: string; table: string; reltuples: number }>(
    `SELECT n.nspname::text AS schema, c.relname::text AS table, c.reltuples::float8 AS reltuples
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])`,
    [[...schemas]],
  );
  // reltuples is -1 on PostgreSQL 14+ for a table never vacuumed or analysed: unknown, not empty.
  return new Map(rows.map((r) => [tableKey(r.schema, r.table), r.reltuples < 0 ? undefined : r.reltuples]));
}
