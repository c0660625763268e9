import type { QueryResult } from "pg";
import type { PgClient } from "../../adapters/postgres/connect.js";

/**
 * Runs a PL/pgSQL `DO` block that leaves its result (JSON text) in the transaction-local
 * setting `aurora_migrate.<name>`, and reads it back, in one round trip: the block and the
 * `SELECT current_setting(…)` go as one simple query, which PostgreSQL runs as one
 * transaction (or inside the caller's). A DO block is the one way plain SQL can reach a
 * relation named at run time (a sequence's own row, a column's max) without a function in
 * the database: it needs no CREATE or TEMP privilege, only PL/pgSQL, which every role may
 * use by default, and it leaves nothing behind.
 *
 * `body` is the block's text; anything from outside must already be quoted (quoteLiteral).
 */
export async function doReturningJson<T>(client: PgClient, name: string, body: string): Promise<T> {
  const setting = `aurora_migrate.${name}`;
  const text = `DO ${dollarQuote(body)};\nSELECT current_setting('${setting}') AS r`;
  const res = (await client.query(text)) as unknown as QueryResult<{ r: string }>[];
  const row = res[res.length - 1]!.rows[0]!;
  return JSON.parse(row.r) as T;
}

/** The statement that stores `json` (an SQL expression of type json/jsonb/text) for doReturningJson. */
export const storeResult = (name: string, json: string): string => `PERFORM set_config('aurora_migrate.${name}', (${json})::text, true);`;

/** `$tag$body$tag$` with a tag the body does not contain (a quoted name could hold any other). */
function dollarQuote(body: string): string {
  let n = 0;
  while (body.includes(`$am${n}$`)) n += 1;
  return `$am${n}$${body}$am${n}$`;
}
