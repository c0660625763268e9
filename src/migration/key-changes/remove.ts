import type { PgClient } from "../../adapters/postgres/connect.js";
import { TOOL_SCHEMA } from "../../adapters/postgres/marker.js";
import { qualified } from "../../plan/sql-text.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { DROP_KEY_CHANGES_SQL, KEY_CHANGES_TABLE, KEY_CHANGE_FUNCTION, KEY_CHANGE_TRIGGER, dropTriggerSql } from "./objects.js";

/** What of the key-change capture is on a database: every trace, found in the catalog (not only what the state recorded). */
export interface CaptureObjects {
  triggers: { schema: string; table: string }[];
  table: boolean;
  fn: boolean;
}

export async function findCaptureObjects(client: PgClient): Promise<CaptureObjects> {
  const triggers = await client.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_catalog.pg_trigger t
       JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal
        AND (t.tgname = $1 OR t.tgfoid IN (SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace WHERE pn.nspname = $2 AND p.proname = $3))
      ORDER BY 1, 2`,
    [KEY_CHANGE_TRIGGER, TOOL_SCHEMA, KEY_CHANGE_FUNCTION],
  );
  const objects = await client.query<{ table: boolean; fn: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2) AS table,
            EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $3) AS fn`,
    [TOOL_SCHEMA, KEY_CHANGES_TABLE, KEY_CHANGE_FUNCTION],
  );
  const o = objects.rows[0];
  return { triggers: triggers.rows, table: o?.table === true, fn: o?.fn === true };
}

export const nothingInstalled = (o: CaptureObjects): boolean => o.triggers.length === 0 && !o.table && !o.fn;

/** Pure: the statements that remove it all, triggers first (the function is theirs). */
export function removalSql(o: CaptureObjects): string[] {
  return [...o.triggers.map((t) => dropTriggerSql(t.schema, t.table)), ...DROP_KEY_CHANGES_SQL];
}

/**
 * Drops every key-change trigger, then the table and the function. Each DROP TRIGGER briefly
 * locks its table; a lock held by a long transaction makes it fail after a few seconds instead
 * of queueing the app behind it. Safe to run again: whatever is gone is skipped.
 */
export async function removeCapture(client: PgClient, o: CaptureObjects, lockTimeoutMs = 5_000): Promise<void> {
  for (const t of o.triggers) {
    await client.query("BEGIN");
    try {
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
      await client.query(dropTriggerSql(t.schema, t.table));
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw new OperationError(`Cannot drop the key-change trigger on ${qualified(t.schema, t.table)}: ${errorMessage(err)}`, {
        hint: `Drop it as the table's owner (${dropTriggerSql(t.schema, t.table)};) or run cleanup again once no long transaction holds the table.`,
        cause: err,
      });
    }
  }
  for (const sql of DROP_KEY_CHANGES_SQL) await client.query(sql);
}
