import type { ColumnFact, TableFact } from "../../../plan/preflight/facts.js";
import type { CountingClient } from "./counting-client.js";

/**
 * The columns of every table of the chosen schemas: one catalog query whatever the number of
 * tables. Each table comes with what the data scan needs to read it (kind, SELECT privilege),
 * so the scan can start before the table query has run.
 */

/** A table's columns, in attnum order, with what the data scan needs. */
export type TableColumns = Pick<TableFact, "schema" | "name" | "kind" | "selectable" | "columns">;

interface ColumnRow {
  schema: string;
  table: string;
  kind: "r" | "p";
  selectable: boolean;
  name: string;
  type: string;
  base_type: string;
  base_kind: string;
  is_array: boolean;
  numeric_precision: number | null;
  char_length: number | null;
  in_pk: boolean;
}

// Domains are resolved (one level, then the array element, then one level again) so a domain
// over numeric or an array of an enum is judged by what it really stores.
const COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, c.relkind AS kind, has_table_privilege(c.oid, 'SELECT') AS selectable,
       a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       e.typname AS base_type, e.typtype AS base_kind,
       (d.typcategory = 'A') AS is_array,
       CASE WHEN e.typname = 'numeric' AND m.typmod >= 4 THEN ((m.typmod - 4) >> 16) & 65535 END AS numeric_precision,
       CASE WHEN e.typname IN ('varchar', 'bpchar') AND m.typmod >= 4 THEN m.typmod - 4 END AS char_length,
       coalesce(a.attnum = ANY (pk.conkey), false) AS in_pk
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_type d ON d.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
  JOIN pg_type e0 ON e0.oid = CASE WHEN d.typcategory = 'A' AND d.typelem <> 0 THEN d.typelem ELSE d.oid END
  JOIN pg_type e ON e.oid = CASE WHEN e0.typtype = 'd' THEN e0.typbasetype ELSE e0.oid END
  CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod) m
  LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
 WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY 1, 2, a.attnum`;

function columnFact(c: ColumnRow): ColumnFact {
  return {
    name: c.name,
    type: c.type,
    baseType: c.base_type,
    baseTypeKind: c.base_kind,
    isArray: c.is_array,
    numericPrecision: c.numeric_precision,
    charLength: c.char_length,
    inPrimaryKey: c.in_pk,
  };
}

/** Every table of `schemas` that has columns, ordered by schema and name as the table query orders them. */
export async function readColumns(db: CountingClient, schemas: readonly string[], serverVersionNum: number): Promise<TableColumns[]> {
  const rows = await db.catalogRead<ColumnRow>(COLUMNS_SQL, schemas, serverVersionNum);
  const tables: TableColumns[] = [];
  let current: TableColumns | undefined;
  for (const row of rows) {
    if (!current || current.schema !== row.schema || current.name !== row.table) {
      current = { schema: row.schema, name: row.table, kind: row.kind, selectable: row.selectable, columns: [] };
      tables.push(current);
    }
    current.columns.push(columnFact(row));
  }
  return tables;
}
