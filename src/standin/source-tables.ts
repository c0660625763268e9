/**
 * The tables a task moves: resolved on the source from its selection rules (ordinary and
 * partitioned tables, as DMS's `%` selects both), with what the full load and the publications
 * need to know about each; and, as DMS does, the target tables
 * created (columns and primary key only) where the schema load left one out.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../plan/sql-text.js";
import { type SelectionRule, selectTables } from "./table-mappings.js";

export interface SourceTable {
  schema: string;
  table: string;
  loadOrder: number;
  /** Columns COPY moves, in the source's order (generated columns excluded, as COPY does). */
  columns: string[];
  /**
   * True when UPDATE and DELETE can be captured (a primary key or a replica identity index or
   * FULL). Without it DMS captures only INSERTs, and so does the stand-in: the source must not
   * start refusing UPDATEs because the table joined a publication.
   */
  capturesUpdates: boolean;
  estimatedRows: number;
  bytes: number;
  /**
   * A partitioned table (relkind 'p'). DMS reads a selected parent like any table, so its rows
   * arrive through it and again through each selected partition (docs/dms-notes.md §11).
   */
  partitioned: boolean;
  /** A partition of another table (the outermost parents are loaded first among parents). */
  isPartition: boolean;
  /**
   * False for an UNLOGGED table: copied by the full load, but logical decoding never sees its
   * changes, so it gets no CDC (and native publications refuse it).
   */
  logged: boolean;
  /** The source's primary-key columns, in key order; empty without a primary key. */
  primaryKey: string[];
}

interface CatalogRow {
  schema: string;
  table: string;
  reltuples: number;
  bytes: string;
  captures_updates: boolean;
  columns: string[];
  partitioned: boolean;
  is_partition: boolean;
  logged: boolean;
  primary_key: string[];
}

export async function resolveSourceTables(source: PgClient, rules: readonly SelectionRule[]): Promise<SourceTable[]> {
  const { rows } = await source.query<CatalogRow>(`
    SELECT n.nspname::text AS schema, c.relname::text AS table,
           -- A partitioned table has no storage of its own: its partitions' figures are its rows.
           CASE WHEN c.relkind = 'p'
                THEN (SELECT coalesce(sum(greatest(l.reltuples, 0)), 0) FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf)
                ELSE c.reltuples END::float8 AS reltuples,
           CASE WHEN c.relkind = 'p'
                THEN (SELECT coalesce(sum(pg_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)
                ELSE pg_relation_size(c.oid) END AS bytes,
           (c.relreplident IN ('f', 'i')
             OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))) AS captures_updates,
           ARRAY(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                  ORDER BY a.attnum) AS columns,
           c.relkind = 'p' AS partitioned, c.relispartition AS is_partition, c.relpersistence <> 'u' AS logged,
           ARRAY(SELECT a.attname::text FROM pg_index i
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
                  WHERE i.indrelid = c.oid AND i.indisprimary
                  ORDER BY array_position(i.indkey::int2[], a.attnum)) AS primary_key
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
     ORDER BY 1, 2`);
  const byName = new Map(rows.map((r) => [`${r.schema}\u0000${r.table}`, r]));
  return selectTables(rules, rows).map((t) => {
    const row = byName.get(`${t.schema}\u0000${t.table}`) as CatalogRow;
    return {
      schema: t.schema,
      table: t.table,
      loadOrder: t.loadOrder,
      columns: row.columns,
      capturesUpdates: row.captures_updates,
      estimatedRows: row.reltuples,
      bytes: Number(row.bytes),
      partitioned: row.partitioned,
      isPartition: row.is_partition,
      logged: row.logged,
      primaryKey: row.primary_key,
    };
  });
}

/**
 * Creates, on the target, each table that is missing there, with its columns and primary key
 * only (DMS creates nothing more: docs/dms-notes.md §7). Returns the tables created.
 */
export async function createMissingTargetTables(source: PgClient, target: PgClient, tables: readonly SourceTable[]): Promise<SourceTable[]> {
  const created: SourceTable[] = [];
  for (const t of tables) {
    const exists = await target.query<{ oid: string | null }>("SELECT to_regclass($1)::text AS oid", [qualified(t.schema, t.table)]);
    if (exists.rows[0]?.oid) continue;
    const cols = await source.query<{ name: string; type: string; not_null: boolean }>(
      `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [qualified(t.schema, t.table)],
    );
    const pk = await source.query<{ name: string }>(
      `SELECT a.attname::text AS name FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
        WHERE i.indrelid = $1::regclass AND i.indisprimary
        ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [qualified(t.schema, t.table)],
    );
    const defs = cols.rows.map((c) => `${quoteIdent(c.name)} ${c.type}${c.not_null ? " NOT NULL" : ""}`);
    if (pk.rows.length) defs.push(`PRIMARY KEY (${pk.rows.map((c) => quoteIdent(c.name)).join(", ")})`);
    await target.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.schema)}`);
    await target.query(`CREATE TABLE ${qualified(t.schema, t.table)} (${defs.join(", ")})`);
    created.push(t);
  }
  return created;
}
