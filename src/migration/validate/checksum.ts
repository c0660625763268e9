import type { PgClient } from "../../adapters/postgres/connect.js";
import { qualified } from "../../plan/sql-text.js";

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
 * starts no parallel workers on a production source); only a table holding most of a side's
 * bytes gets workers, `jobs - 1` of them (side-digest.ts).
 */
const ONE_BACKEND = "SET max_parallel_workers_per_gather = 0";

/** Prepares a validate session: stable text forms and one backend. */
export async function useStableTextSettings(client: PgClient): Promise<void> {
  await client.query([...STABLE_TEXT_SETTINGS, ONE_BACKEND].join("; "));
}

/**
 * The statement that counts a table's rows and, with `rowHash` (row-hash.ts), sums the rows'
 * 64-bit hashes: order-independent, exact (a numeric sum, so a duplicated row adds its hash
 * once more), computed inside the database (no row leaves it).
 */
export function digestSql(schema: string, table: string, rowHash: string | null): string {
  const from = qualified(schema, table);
  if (rowHash === null) return `SELECT count(*)::text AS rows, NULL::text AS hash FROM ${from}`;
  return `SELECT count(*)::text AS rows, coalesce(sum(${rowHash}), 0)::text AS hash FROM ${from}`;
}

export interface TableDigest {
  rows: string;
  hash: string | null;
}
