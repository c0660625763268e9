import type { PgClient } from "../adapters/postgres/connect.js";

export interface TableColumn {
  name: string;
  /** format_type(), e.g. `double precision`. */
  type: string;
}

export interface TableInfo {
  schema: string;
  name: string;
  columns: TableColumn[];
}

export const tableKey = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;

/**
 * Top-level tables of `schemas` (a partitioned table counts its partitions; the partitions
 * are not listed again) with their columns, in one query.
 */
export async function listTables(client: PgClient, schemas: readonly string[]): Promise<TableInfo[]> {
  const { rows } = await client.query<{ schema: string; name: string; columns: TableColumn[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
      ORDER BY 1, 2`,
    [schemas],
  );
  return rows.map((r) => ({ schema: r.schema, name: r.name, columns: r.columns ?? [] }));
}
