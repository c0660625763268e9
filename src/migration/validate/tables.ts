import type { PgClient } from "../../adapters/postgres/connect.js";

export interface TableColumn {
  name: string;
  /** format_type(), e.g. `double precision`. */
  type: string;
  /**
   * OID of the built-in type whose hash the column takes: its own type, or a domain's base
   * type (one level). Null for other types (user types, domains over domains).
   */
  hashOid?: number | null;
  /** The column is NOT NULL (attnotnull). */
  notNull?: boolean;
}

export interface TableInfo {
  schema: string;
  name: string;
  columns: TableColumn[];
  /** Heap blocks of the table, or of all its leaf partitions (only when asked for). */
  blocks?: number;
}

export const tableKey = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;

/**
 * Top-level tables of `schemas` (a partitioned table counts its partitions; the partitions
 * are not listed again) with their columns, in one query. With `withBlocks` (PostgreSQL 12+)
 * each table's size in blocks too, from the file sizes (no scan): what gets parallel workers.
 */
export async function listTables(client: PgClient, schemas: readonly string[], withBlocks = false): Promise<TableInfo[]> {
  const blocks = withBlocks
    ? `, (CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid)
              ELSE (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree(c.oid) p WHERE p.isleaf)
              END / current_setting('block_size')::bigint)::float8 AS blocks`
    : "";
  const { rows } = await client.query<{ schema: string; name: string; columns: TableColumn[] | null; blocks?: number | null }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull,
                                               'hashOid', CASE WHEN t.typtype = 'b' AND t.oid < 10000 THEN t.oid::int
                                                               WHEN t.typtype = 'd' AND b.typtype = 'b' AND b.oid < 10000 THEN b.oid::int END)
                             ORDER BY a.attnum)
               FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type b ON b.oid = t.typbasetype
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns${blocks}
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
      ORDER BY 1, 2`,
    [schemas],
  );
  return rows.map((r) => ({ schema: r.schema, name: r.name, columns: r.columns ?? [], ...(r.blocks !== undefined && r.blocks !== null ? { blocks: Number(r.blocks) } : {}) }));
}
