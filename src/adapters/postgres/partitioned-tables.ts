import type { PgClient } from "./connect.js";

export interface PartitionedTable {
  schema: string;
  table: string;
  /** True for a sub-partitioned partition (itself a partition of another table). */
  isPartition: boolean;
}

/**
 * The partitioned tables (relkind 'p': parents and intermediate sub-partitioned partitions) of
 * `schemas`. Their rows live in their leaf partitions; the DMS task excludes them so that every
 * row is loaded once, through its leaf.
 */
export async function listPartitionedTables(client: PgClient, schemas: readonly string[]): Promise<PartitionedTable[]> {
  const { rows } = await client.query<{ schema: string; table: string; is_partition: boolean }>(
    `SELECT n.nspname::text AS schema, c.relname::text AS table, c.relispartition AS is_partition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'p' AND n.nspname = ANY($1::text[])
      ORDER BY 1, 2`,
    [[...schemas]],
  );
  return rows.map((r) => ({ schema: r.schema, table: r.table, isPartition: r.is_partition }));
}
