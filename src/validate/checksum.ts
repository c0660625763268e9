import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified } from "../adapters/postgres/sql.js";
import type { BlockRange } from "./chunks.js";

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

/**
 * One backend per session: `--jobs` is the parallelism on each side (a `--jobs 1` check
 * starts no parallel workers on a production source), and a big table's block ranges are
 * what spreads it.
 */
const ONE_BACKEND = "SET max_parallel_workers_per_gather = 0";

/** Prepares a validate session: stable text forms and one backend. */
export async function useStableTextSettings(client: PgClient): Promise<void> {
  await client.query([...STABLE_TEXT_SETTINGS, ONE_BACKEND].join("; "));
}

/** `ctid` bounds of a block range: a TID Range Scan (PostgreSQL 14+) reads only those blocks. */
function rangeCondition(range: BlockRange): string {
  const conds: string[] = [];
  if (range.from !== undefined) conds.push(`ctid >= '(${range.from},0)'::pg_catalog.tid`);
  if (range.to !== undefined) conds.push(`ctid < '(${range.to},0)'::pg_catalog.tid`);
  return conds.length ? ` WHERE ${conds.join(" AND ")}` : "";
}

/**
 * The statement that counts a part of a table's rows (all of them without `range`) and, with
 * `rowHash` (row-hash.ts), sums the rows' 64-bit hashes: order-independent, exact (a numeric
 * sum, so a duplicated row adds its hash once more), computed inside the database (no row
 * leaves it). Parts' counts and sums add up to the whole table's.
 */
export function digestSql(schema: string, table: string, rowHash: string | null, range?: BlockRange): string {
  const from = `${qualified(schema, table)}${range ? rangeCondition(range) : ""}`;
  if (rowHash === null) return `SELECT count(*)::text AS rows, NULL::text AS hash FROM ${from}`;
  return `SELECT count(*)::text AS rows, coalesce(sum(${rowHash}), 0)::text AS hash FROM ${from}`;
}

export interface TableDigest {
  rows: string;
  hash: string | null;
}

/**
 * Runs one digest. A block range is read by a TID Range Scan: the planner could otherwise
 * pick a sequential scan of the whole table for a wide range. The setting is set around the
 * statement and reset after it (the session may be inside a transaction it does not own).
 */
export async function runDigest(client: PgClient, sql: string, ranged: boolean): Promise<TableDigest> {
  if (!ranged) return (await client.query<TableDigest>(sql)).rows[0]!;
  const results = (await client.query(`SET enable_seqscan = off; ${sql}; RESET enable_seqscan`)) as unknown as { rows: TableDigest[] }[];
  return results[1]!.rows[0]!;
}
