/**
 * DMS ignores an UPDATE that changes a primary key (docs/dms-notes.md §4): the target
 * keeps the row under its old key. PostgreSQL's apply worker would apply it, so while CDC runs
 * the stand-in puts a guard on each mapped target table: a BEFORE INSERT OR UPDATE row trigger
 * enabled with ENABLE REPLICA TRIGGER, so it fires only in sessions with
 * session_replication_role = replica, and that acts only in a logical replication worker (not
 * in the full load's sessions, which are replica sessions too, nor in any session of the
 * tool's). It skips (returns NULL for)
 * - an UPDATE whose primary-key columns differ between OLD and NEW, compared as text, as the
 *   WAL carries an old key only when the key's bytes changed;
 * - an INSERT whose key is already on the target (the row an ignored key change left behind),
 *   as DMS's default ApplyErrorInsertPolicy LOG_ERROR logs it and goes on, where the apply
 *   worker would stop on the duplicate key and retry forever.
 * A later UPDATE or DELETE of the row under its new key finds no row on the target: the apply
 * worker skips it (PostgreSQL's "missing row" case, logged, not an error), as DMS does.
 *
 * Every object is named `awsdms_…` (the tool's catalog comparisons ignore those): the schema
 * awsdms_standin, its function awsdms_standin_pk_guard and the triggers of that name. Dropping
 * the schema with CASCADE removes the function and every trigger at once.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteLiteral } from "../plan/sql-text.js";

export const GUARD_SCHEMA = "awsdms_standin";
export const GUARD_NAME = "awsdms_standin_pk_guard";

const FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION ${GUARD_SCHEMA}.${GUARD_NAME}() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $guard$
DECLARE
  in_apply text := current_setting('${GUARD_SCHEMA}.in_apply_worker', true);
  skip boolean;
BEGIN
  IF in_apply IS NULL OR in_apply = '' THEN
    SELECT CASE WHEN a.backend_type LIKE 'logical replication%worker' THEN 'on' END INTO in_apply
      FROM pg_stat_activity a WHERE a.pid = pg_backend_pid();
    in_apply := coalesce(in_apply, 'off');
    PERFORM set_config('${GUARD_SCHEMA}.in_apply_worker', in_apply, false);
  END IF;
  IF in_apply <> 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    EXECUTE 'SELECT ' || (SELECT string_agg(format('($1).%1$I::text IS DISTINCT FROM ($2).%1$I::text', k), ' OR ') FROM unnest(TG_ARGV) AS k)
      INTO skip USING OLD, NEW;
  ELSE
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I t WHERE %s)', TG_TABLE_SCHEMA, TG_TABLE_NAME,
                   (SELECT string_agg(format('t.%1$I = ($1).%1$I', k), ' AND ') FROM unnest(TG_ARGV) AS k))
      INTO skip USING NEW;
  END IF;
  IF skip THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$guard$`;

export interface GuardedTable {
  schema: string;
  table: string;
  /** The source's primary-key columns. */
  primaryKey: readonly string[];
}

/**
 * Installs (or refreshes) the guard on each table that has a primary key on the source and is
 * an ordinary table on the target holding those columns; idempotent. Returns the tables guarded.
 * A trigger already in place with the same key columns is left alone, and each missing one is
 * made in a transaction of its own: the DDL takes a table's exclusive lock, and holding one
 * while waiting for the next could deadlock with a reader that locks tables in another order
 * (a validate running while the stand-in restarts CDC).
 */
export async function installPkGuard(target: PgClient, tables: readonly GuardedTable[]): Promise<GuardedTable[]> {
  const keyed = tables.filter((t) => t.primaryKey.length > 0);
  const present = await guardableOnTarget(target, keyed);
  await inTransaction(target, async () => {
    await target.query(`CREATE SCHEMA IF NOT EXISTS ${GUARD_SCHEMA}`);
    await target.query(FUNCTION_SQL);
  });
  const existing = await existingGuards(target);
  for (const t of present) {
    const args = t.primaryKey.map(quoteLiteral).join(", ");
    if (existing.get(qualified(t.schema, t.table))?.endsWith(`${GUARD_NAME}(${args})`)) continue;
    await inTransaction(target, async () => {
      await target.query(`DROP TRIGGER IF EXISTS ${GUARD_NAME} ON ${qualified(t.schema, t.table)}`);
      await target.query(`CREATE TRIGGER ${GUARD_NAME} BEFORE INSERT OR UPDATE ON ${qualified(t.schema, t.table)} FOR EACH ROW EXECUTE FUNCTION ${GUARD_SCHEMA}.${GUARD_NAME}(${args})`);
      await target.query(`ALTER TABLE ${qualified(t.schema, t.table)} ENABLE REPLICA TRIGGER ${GUARD_NAME}`);
    });
  }
  return present;
}

async function inTransaction(target: PgClient, work: () => Promise<void>): Promise<void> {
  await target.query("BEGIN");
  try {
    await work();
    await target.query("COMMIT");
  } catch (err) {
    await target.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** The guard triggers enabled for replica sessions, by quoted table name → their definition. */
async function existingGuards(target: PgClient): Promise<Map<string, string>> {
  const { rows } = await target.query<{ schema: string; table: string; def: string }>(
    `SELECT n.nspname::text AS schema, c.relname::text AS table, pg_get_triggerdef(g.oid) AS def
       FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE g.tgname = $1 AND g.tgenabled = 'R'`,
    [GUARD_NAME],
  );
  return new Map(rows.map((r) => [qualified(r.schema, r.table), r.def]));
}

/** Removes the schema, the function and every guard trigger; nothing happens when none is there. */
export async function removePkGuard(target: PgClient): Promise<void> {
  await target.query(`DROP SCHEMA IF EXISTS ${GUARD_SCHEMA} CASCADE`);
}

/** The tables guarded now, as `schema.table` (tests, diagnostics). */
export async function guardedTables(target: PgClient): Promise<string[]> {
  const { rows } = await target.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE g.tgname = $1 AND g.tgenabled = 'R' ORDER BY 1`,
    [GUARD_NAME],
  );
  return rows.map((r) => r.name);
}

/**
 * Ordinary tables only: a trigger on a partitioned table would be cloned onto its partitions,
 * which are guarded themselves (the apply worker writes to partitions by name).
 */
async function guardableOnTarget(target: PgClient, tables: readonly GuardedTable[]): Promise<GuardedTable[]> {
  if (tables.length === 0) return [];
  const { rows } = await target.query<{ schema: string; table: string; columns: string[] }>(
    `SELECT n.nspname::text AS schema, c.relname::text AS table,
            ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  const columnsOf = new Map(rows.map((r) => [`${r.schema}\u0000${r.table}`, new Set(r.columns)]));
  return tables.filter((t) => {
    const columns = columnsOf.get(`${t.schema}\u0000${t.table}`);
    return columns !== undefined && t.primaryKey.every((k) => columns.has(k));
  });
}
