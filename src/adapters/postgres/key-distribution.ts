import type { KeyColumn } from "../../plan/parallel-load.js";
import { qualified, quoteIdent } from "../../plan/sql-text.js";
import type { PgClient } from "./connect.js";

/**
 * What the parallel-load planner (plan/parallel-load.ts) needs of a table, read without a full
 * scan: its primary key's columns, and the equi-depth histogram ANALYZE keeps for the leading
 * one. Not wired into task creation yet.
 */

/** The primary key's columns in key order with their types; empty when the table has none. */
export async function readPrimaryKey(client: PgClient, schema: string, table: string): Promise<KeyColumn[]> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
      ORDER BY k.ord`,
    [schema, table],
  );
  return rows;
}

/**
 * `pg_stats.histogram_bounds` of one column, in order, as text (the server's text form of the
 * column type); empty when the table was never analysed or the column has no histogram.
 * The table's own statistics (not the inheritance tree's).
 */
export async function readHistogramBounds(client: PgClient, schema: string, table: string, column: string): Promise<string[]> {
  const { rows } = await client.query<{ b: string }>(
    `SELECT u.b
       FROM pg_stats s
      CROSS JOIN LATERAL unnest(s.histogram_bounds::text::text[]) WITH ORDINALITY AS u(b, o)
      WHERE s.schemaname = $1 AND s.tablename = $2 AND s.attname = $3 AND NOT s.inherited
      ORDER BY u.o`,
    [schema, table, column],
  );
  return rows.map((r) => r.b);
}

/**
 * About `want` keys of the table picked at random by page (TABLESAMPLE SYSTEM, sized from
 * the planner's row estimate), each as the text of the given columns: for a composite key
 * whose leading column has too few distinct values for its histogram to split on. Whole pages
 * are sampled, so neighbouring keys come together: the split is as even as the number of
 * pages the sample spans allows (ask for enough keys to span a few hundred pages).
 */
export async function readKeySample(client: PgClient, schema: string, table: string, columns: readonly string[], want: number): Promise<string[][]> {
  const { rows: est } = await client.query<{ n: string }>(
    `SELECT greatest(c.reltuples, 0)::bigint::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  const estimate = Number(est[0]?.n ?? 0);
  const percent = estimate > 0 ? Math.min(100, (100 * want) / estimate) : 100;
  const list = columns.map((c) => `${quoteIdent(c)}::text`).join(", ");
  const { rows } = await client.query<string[]>({
    text: `SELECT ${list} FROM ${qualified(schema, table)} TABLESAMPLE SYSTEM ($1)`,
    values: [percent],
    rowMode: "array",
  });
  return rows;
}
