import type { PgClient } from "../../adapters/postgres/connect.js";
import { TOOL_SCHEMA } from "../../adapters/postgres/marker.js";
import { qualified, quoteIdent } from "../../plan/sql-text.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { KEY_CHANGES_DDL, KEY_CHANGE_TRIGGER, keyChangeTriggerSql } from "./objects.js";

/** One table of the chosen schemas that has a primary key, as the capture sees it. */
export interface CaptureTable {
  schema: string;
  table: string;
  /** The primary key's columns, in key order. */
  key: string[];
  owner: string;
  /** CREATE TRIGGER needs the TRIGGER privilege; DROP TRIGGER (cleanup) needs ownership. */
  canCreate: boolean;
  canDrop: boolean;
  installed: boolean;
}

export interface CaptureFacts {
  login: string;
  tables: CaptureTable[];
  /** Tables of the chosen schemas without a primary key (nothing to record there). */
  withoutKey: number;
}

/**
 * The plain tables of `schemas` (leaf partitions included) with their primary keys. Partitioned
 * parents are left out: a row trigger there is only cloned onto the partitions, and an UPDATE
 * that moves a row to another partition fires no UPDATE trigger at all (it is a DELETE and an
 * INSERT, which DMS replicates as such); the leaves are where a key changes in place.
 */
export async function readCaptureFacts(source: PgClient, schemas: readonly string[]): Promise<CaptureFacts> {
  const { rows } = await source.query<{ schema: string; table: string; key: string[] | null; owner: string; can_create: boolean; can_drop: boolean; installed: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS key,
            pg_catalog.pg_get_userbyid(c.relowner) AS owner,
            pg_catalog.has_table_privilege(c.oid, 'TRIGGER') AS can_create,
            pg_catalog.pg_has_role(c.relowner, 'USAGE') AS can_drop,
            EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = $2) AS installed
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[]) AND n.nspname <> $3
      ORDER BY 1, 2`,
    [schemas, KEY_CHANGE_TRIGGER, TOOL_SCHEMA],
  );
  const login = (await source.query<{ u: string }>("SELECT current_user AS u")).rows[0]!.u;
  const tables = rows.flatMap((r) =>
    r.key && r.key.length > 0 ? [{ schema: r.schema, table: r.table, key: r.key, owner: r.owner, canCreate: r.can_create, canDrop: r.can_drop, installed: r.installed }] : [],
  );
  return { login, tables, withoutKey: rows.length - tables.length };
}

/** Pure: the tables the login may not put the trigger on (or could not remove it from). */
export function lackingPrivileges(facts: CaptureFacts): CaptureTable[] {
  return facts.tables.filter((t) => !t.installed && !(t.canCreate && t.canDrop));
}

/** Pure: the exact statements that give the login what it lacks, one per table owner. */
export function privilegeFix(facts: CaptureFacts): string[] {
  const owners = [...new Set(lackingPrivileges(facts).map((t) => t.owner))].sort();
  return owners.map((o) => `GRANT ${quoteIdent(o)} TO ${quoteIdent(facts.login)};`);
}

/**
 * Creates the key-change table and function, then the trigger on every table that lacks it,
 * one short transaction per table (CREATE TRIGGER briefly locks the table against writes; a
 * lock held by a long transaction makes it fail after a few seconds rather than queue the
 * app's writes behind it). Idempotent: what exists is left as it is.
 */
export async function installCapture(
  source: PgClient,
  facts: CaptureFacts,
  lockTimeoutMs = 5_000,
  /** Where it is installed and what to run again, in the messages: step 8's source by default, Aurora for the rollback window. */
  where: { on: string; rerun: string } = { on: "the source", rerun: "resume" },
): Promise<{ created: number }> {
  await source.query("BEGIN");
  try {
    for (const sql of KEY_CHANGES_DDL) await source.query(sql);
    await source.query("COMMIT");
  } catch (err) {
    await source.query("ROLLBACK").catch(() => undefined);
    throw new OperationError(`Cannot create the tool's key-change table in the schema ${TOOL_SCHEMA} on ${where.on}: ${errorMessage(err)}`, {
      hint: `Give the login ${quoteIdent(facts.login)} the right to create it there (GRANT CREATE ON DATABASE … TO ${quoteIdent(facts.login)}, or run as the database owner), then ${where.rerun}.`,
      cause: err,
    });
  }
  let created = 0;
  for (const t of facts.tables.filter((x) => !x.installed)) {
    await source.query("BEGIN");
    try {
      await source.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
      await source.query(keyChangeTriggerSql(t.schema, t.table, t.key));
      await source.query("COMMIT");
      created += 1;
    } catch (err) {
      await source.query("ROLLBACK").catch(() => undefined);
      const busy = (err as { code?: string }).code === "55P03";
      throw new OperationError(`Cannot put the key-change trigger on ${qualified(t.schema, t.table)} on ${where.on}: ${errorMessage(err)}`, {
        hint: busy
          ? `A long transaction holds a lock on that table. Let it finish (see pg_stat_activity), then ${where.rerun}: the tables already done are kept.`
          : `Fix the cause above, then ${where.rerun}: the tables already done are kept.`,
        cause: err,
      });
    }
  }
  return { created };
}
