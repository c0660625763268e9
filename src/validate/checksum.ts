import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../adapters/postgres/sql.js";
import type { TableColumn } from "./tables.js";

/**
 * Session settings that make every type's text form the same on both sides whatever the
 * servers' defaults (time zone, date and interval styles, bytea output).
 */
export const STABLE_TEXT_SETTINGS = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  "SET bytea_output = 'hex'",
  "SET extra_float_digits = 1",
  "SET search_path = ''",
];

export async function useStableTextSettings(client: PgClient): Promise<void> {
  await client.query(STABLE_TEXT_SETTINGS.join("; "));
}

/**
 * One column's contribution to a row's hash. Floating-point values are hashed by their
 * binary form: their text form depended on extra_float_digits rules that changed in 12.
 */
function columnExpr(c: TableColumn): string {
  const col = quoteIdent(c.name);
  if (c.type === "double precision") return `float8send(${col})`;
  if (c.type === "real") return `float4send(${col})`;
  return col;
}

/**
 * The statement that counts a table's rows and, with `checksum`, sums a 64-bit hash of each
 * row's text form: order-independent (a sum, accumulated exactly), computed inside the
 * database (no row leaves it). hashtextextended is the hash PostgreSQL's hash partitioning
 * relies on staying the same across majors (pg_upgrade keeps such tables), so equal content
 * gives equal sums on 15 and 17 alike. Columns are taken in name order, so a different column
 * order on the target does not count as a difference.
 */
export function tableDigestSql(schema: string, table: string, columns: readonly TableColumn[], checksum: boolean): string {
  const from = qualified(schema, table);
  if (!checksum) return `SELECT count(*)::text AS rows, NULL::text AS hash FROM ${from}`;
  const cols = [...columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(columnExpr);
  // ROW(x) of a single column still prints as a composite "(…)"; an empty column list is ROW().
  const row = `ROW(${cols.join(", ")})::text`;
  return `SELECT count(*)::text AS rows,
                 coalesce(sum(hashtextextended(${row}, 0)), 0)::text AS hash
            FROM ${from}`;
}

export interface TableDigest {
  rows: string;
  hash: string | null;
}

export async function tableDigest(client: PgClient, schema: string, table: string, columns: readonly TableColumn[], checksum: boolean): Promise<TableDigest> {
  const { rows } = await client.query<TableDigest>(tableDigestSql(schema, table, columns, checksum));
  return rows[0]!;
}
