import type { PgClient } from "../../adapters/postgres/connect.js";
import { TOOL_SCHEMA } from "../../adapters/postgres/marker.js";
import { qualified, quoteIdent, quoteLiteral } from "../../plan/sql-text.js";

/**
 * The tool's objects that record primary-key changes on the source. DMS ignores an UPDATE that
 * changes a primary key (docs/dms-notes.md §4): the target keeps the row under its old key
 * and later changes of the row under its new key match nothing there. So, from before the task
 * starts until the cutover, every such UPDATE on the source leaves its old and new key here,
 * and the cutover re-copies exactly those rows.
 *
 * The table is not in the DMS task's mappings (only the cutover marker of the tool's schema
 * is), so it never reaches the target.
 */
export const KEY_CHANGES_TABLE = "key_changes";
export const KEY_CHANGES_QUALIFIED = qualified(TOOL_SCHEMA, KEY_CHANGES_TABLE);
export const KEY_CHANGE_FUNCTION = "record_key_change";
export const KEY_CHANGE_FUNCTION_QUALIFIED = qualified(TOOL_SCHEMA, KEY_CHANGE_FUNCTION);
/** Every trigger the tool puts on an app's table starts with `aurora_migrate_` (the parity check ignores those). */
export const KEY_CHANGE_TRIGGER = "aurora_migrate_key_change";

export const KEY_CHANGES_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(TOOL_SCHEMA)}`,
  `CREATE TABLE IF NOT EXISTS ${KEY_CHANGES_QUALIFIED} (
     id bigserial PRIMARY KEY,
     relid oid NOT NULL,
     schema_name text NOT NULL,
     table_name text NOT NULL,
     old_key jsonb NOT NULL,
     new_key jsonb NOT NULL,
     changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
   )`,
  `COMMENT ON TABLE ${KEY_CHANGES_QUALIFIED} IS 'aurora-migrate: primary keys changed by UPDATEs during the migration (DMS ignores those); re-copied at the cutover; aurora-migrate cleanup drops it'`,
  // SECURITY DEFINER: the app's roles fire the trigger but need no right on the tool's schema.
  // The key columns come as the trigger's arguments, so one function serves every table.
  `CREATE OR REPLACE FUNCTION ${KEY_CHANGE_FUNCTION_QUALIFIED}() RETURNS trigger
     LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
   DECLARE
     o jsonb := to_jsonb(OLD);
     n jsonb := to_jsonb(NEW);
     old_key jsonb := '{}';
     new_key jsonb := '{}';
     c text;
   BEGIN
     FOREACH c IN ARRAY TG_ARGV LOOP
       old_key := old_key || jsonb_build_object(c, o -> c);
       new_key := new_key || jsonb_build_object(c, n -> c);
     END LOOP;
     INSERT INTO ${KEY_CHANGES_QUALIFIED} (relid, schema_name, table_name, old_key, new_key)
     VALUES (TG_RELID, TG_TABLE_SCHEMA, TG_TABLE_NAME, old_key, new_key);
     RETURN NULL;
   END
   $fn$`,
];

/**
 * Pure: the trigger for one table. Its WHEN compares the key columns' binary images
 * (record_image_ne), as PostgreSQL itself does when it decides to log an UPDATE's old key, so
 * an ordinary UPDATE costs one comparison and writes nothing, while 'Bob' → 'bob' on a citext
 * key (equal by `=`, yet a different key in the WAL) is still caught.
 */
export function keyChangeTriggerSql(schema: string, table: string, keyColumns: readonly string[]): string {
  const row = (side: "OLD" | "NEW"): string => `ROW(${keyColumns.map((c) => `${side}.${quoteIdent(c)}`).join(", ")})`;
  return (
    `CREATE TRIGGER ${KEY_CHANGE_TRIGGER} AFTER UPDATE ON ${qualified(schema, table)} FOR EACH ROW ` +
    `WHEN (pg_catalog.record_image_ne(${row("OLD")}, ${row("NEW")})) ` +
    `EXECUTE FUNCTION ${KEY_CHANGE_FUNCTION_QUALIFIED}(${keyColumns.map(quoteLiteral).join(", ")})`
  );
}

export function dropTriggerSql(schema: string, table: string): string {
  return `DROP TRIGGER IF EXISTS ${KEY_CHANGE_TRIGGER} ON ${qualified(schema, table)}`;
}

export const DROP_KEY_CHANGES_SQL = [`DROP TABLE IF EXISTS ${KEY_CHANGES_QUALIFIED}`, `DROP FUNCTION IF EXISTS ${KEY_CHANGE_FUNCTION_QUALIFIED}()`];

/** Whether the key-change table exists on that database (the capture was installed there). */
export async function keyChangesTableExists(client: PgClient): Promise<boolean> {
  const { rows } = await client.query("SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2", [
    TOOL_SCHEMA,
    KEY_CHANGES_TABLE,
  ]);
  return rows.length > 0;
}
