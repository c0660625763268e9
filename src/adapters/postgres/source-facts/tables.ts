import type { ColumnFact, DeferrableConstraintFact, TableFact } from "../../../plan/preflight/facts.js";
import { LARGEST_TABLES } from "../../../plan/preflight/sizing.js";
import type { TableColumns } from "./columns.js";
import type { CountingClient } from "./counting-client.js";

/**
 * The tables of the chosen schemas: one catalog query whatever the number of tables (their
 * columns come from columns.ts). Everything a table-level check needs (persistence, partition tree, row identity,
 * deferrable constraints) rides on the first one, so a new check never adds a query per table.
 */

interface TableRow {
  schema: string;
  name: string;
  kind: "r" | "p";
  is_partition: boolean;
  unlogged: boolean;
  has_pk: boolean;
  pk_deferrable: boolean;
  replica_identity: string;
  partition_key: string | null;
  parent_schema: string | null;
  parent_name: string | null;
  root_schema: string | null;
  root_name: string | null;
  level: number | null;
  deferrable: { name: string; type: string; initially_deferred: boolean; definition: string }[] | null;
  size_bytes: number;
  row_estimate: number;
  selectable: boolean;
}

/** The largest tables (by the catalog's page counts) whose size is measured exactly: those the sizing advice lists. */
const EXACT_SIZE_TOP = LARGEST_TABLES;
/**
 * Rows the statistics may count beyond twice the catalog's reltuples before a table's pages
 * are taken as stale (a table analyzed empty, then loaded) and its size is measured exactly.
 */
const STALE_ROWS = 100;

// `chain` walks every partition up to the top of its tree (one row per ancestor), so a
// partition's direct parent is its level-1 ancestor and its root the highest one.
const TABLES_SQL = `
WITH RECURSIVE chain AS (
  SELECT i.inhrelid AS member, i.inhparent AS ancestor, 1 AS level
    FROM pg_inherits i JOIN pg_class m ON m.oid = i.inhrelid AND m.relispartition
  UNION ALL
  SELECT chain.member, i.inhparent, chain.level + 1
    FROM chain
    JOIN pg_class a ON a.oid = chain.ancestor AND a.relispartition
    JOIN pg_inherits i ON i.inhrelid = chain.ancestor
), depth AS (
  SELECT member, max(level) AS level FROM chain GROUP BY member
), estimated AS (
  -- Pages as the catalog counts them (heap, TOAST, every index of both): no file is looked at.
  SELECT c.oid, c.relkind, n.nspname, c.relname,
         (c.relpages::float8 + coalesce(t.relpages, 0)
            + coalesce((SELECT sum(i.relpages) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                         WHERE x.indrelid = c.oid OR x.indrelid = c.reltoastrelid), 0))
           * current_setting('block_size')::float8 AS bytes,
         -- The count is missing (never vacuumed or analyzed: -1 from PostgreSQL 14, 0 pages before)
         -- or far behind the rows the statistics have seen since: the pages are not to be trusted.
         (c.reltuples < 0 OR (c.relpages = 0 AND current_setting('server_version_num')::int < 140000)
          OR pg_stat_get_live_tuples(c.oid) > 2 * greatest(c.reltuples, 0) + ${STALE_ROWS}
          OR (t.oid IS NOT NULL AND (pg_stat_get_live_tuples(t.oid) > 2 * greatest(t.reltuples, 0) + ${STALE_ROWS}
                                     OR (t.reltuples < 0 AND pg_stat_get_live_tuples(t.oid) > 0)))) AS stale
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
   WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
), sized AS (
  -- Exact sizes (pg_total_relation_size stats every file of the table) only where they matter:
  -- the largest tables by the catalog's count, and tables whose count cannot be trusted.
  SELECT e.oid,
         CASE WHEN e.relkind = 'r' AND (e.stale OR e.rank <= ${EXACT_SIZE_TOP}) THEN pg_total_relation_size(e.oid)::float8
              ELSE e.bytes END AS bytes
    FROM (SELECT estimated.*, row_number() OVER (ORDER BY relkind = 'r' DESC, bytes DESC, nspname, relname) AS rank FROM estimated) e
)
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relispartition AS is_partition,
       c.relpersistence = 'u' AS unlogged,
       pk.oid IS NOT NULL AS has_pk, coalesce(pk.condeferrable, false) AS pk_deferrable,
       c.relreplident AS replica_identity,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       pn.nspname AS parent_schema, p.relname AS parent_name,
       rn.nspname AS root_schema, r.relname AS root_name, depth.level,
       (SELECT json_agg(json_build_object('name', k.conname, 'type', k.contype, 'initially_deferred', k.condeferred,
                                          'definition', pg_get_constraintdef(k.oid)) ORDER BY k.conname)
          FROM pg_constraint k WHERE k.conrelid = c.oid AND k.condeferrable) AS deferrable,
       sized.bytes AS size_bytes,
       greatest(c.reltuples, 0)::float8 AS row_estimate,
       has_table_privilege(c.oid, 'SELECT') AS selectable
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
  JOIN sized ON sized.oid = c.oid
  LEFT JOIN depth ON depth.member = c.oid
  LEFT JOIN chain up ON up.member = c.oid AND up.level = 1
  LEFT JOIN pg_class p ON p.oid = up.ancestor
  LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
  LEFT JOIN chain top ON top.member = c.oid AND top.level = depth.level
  LEFT JOIN pg_class r ON r.oid = top.ancestor
  LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
 ORDER BY 1, 2`;

const key = (schema: string, table: string): string => `${schema}\u0000${table}`;

function tableFact(t: TableRow, columns: ColumnFact[]): TableFact {
  const deferrable: DeferrableConstraintFact[] = (t.deferrable ?? []).map((k) => ({
    name: k.name,
    type: k.type,
    initiallyDeferred: k.initially_deferred,
    definition: k.definition,
  }));
  return {
    schema: t.schema,
    name: t.name,
    kind: t.kind,
    isPartition: t.is_partition,
    ...(t.is_partition && t.parent_schema !== null && t.parent_name !== null && t.root_schema !== null && t.root_name !== null
      ? { partitionOf: { parentSchema: t.parent_schema, parentName: t.parent_name, rootSchema: t.root_schema, rootName: t.root_name, level: t.level ?? 1 } }
      : {}),
    ...(t.partition_key !== null ? { partitionKey: t.partition_key } : {}),
    unlogged: t.unlogged,
    hasPrimaryKey: t.has_pk,
    primaryKeyDeferrable: t.pk_deferrable,
    replicaIdentity: t.replica_identity,
    deferrableConstraints: deferrable,
    sizeBytes: t.size_bytes,
    rowEstimate: t.row_estimate,
    selectable: t.selectable,
    columns,
  };
}

/** The tables of `schemas` with their columns, and the database's size on disk. */
export interface TablesRead {
  tables: TableFact[];
  databaseSizeBytes: number;
}

/**
 * The tables of `schemas`, each with its columns as readColumns found them (a table without
 * columns has none there; the columns may still be on their way, read on another session),
 * and the database's size. pg_database_size stats every file of the database (tens of
 * thousands with 5,000 tables: about 0.1 s), so it rides on this round trip, which runs while
 * the columns are read and scanned elsewhere, rather than ahead of everything else.
 */
export async function readTables(
  db: CountingClient,
  schemas: readonly string[],
  serverVersionNum: number,
  columnsRead: readonly TableColumns[] | Promise<readonly TableColumns[]>,
): Promise<TablesRead> {
  const [rows, size] = await db.catalogReads(`${TABLES_SQL};\nSELECT pg_database_size(current_database())::float8 AS size`, schemas, serverVersionNum);
  const columns = await columnsRead;
  const byTable = new Map(columns.map((t) => [key(t.schema, t.name), t.columns]));
  return {
    tables: (rows as TableRow[]).map((t) => tableFact(t, byTable.get(key(t.schema, t.name)) ?? [])),
    databaseSizeBytes: (size?.[0] as { size: number } | undefined)?.size ?? 0,
  };
}
