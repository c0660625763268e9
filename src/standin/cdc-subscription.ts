/**
 * CDC for the stand-in: PostgreSQL's own logical replication bound to the task's slot. The
 * publications on the source name the mapped tables; the subscription on the target reads the
 * slot from its confirmed position (`create_slot = false, copy_data = false`), so it applies
 * exactly the changes committed after the full load's snapshot. Its apply worker runs with
 * `session_replication_role = replica` (no user triggers, no FK checks on the target, as DMS
 * with the AfterConnectScript), and, like DMS, it never moves sequences.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import type { Clock } from "../core/clock.js";
import { type PgEndpoint } from "./endpoint.js";
import { qualified, quoteIdent, quoteLiteral } from "../plan/sql-text.js";
import type { SourceTable } from "./source-tables.js";

/** Names of the task's objects, derived from the slot name (each at most 63 bytes). */
export function cdcObjectNames(slotName: string): { allChanges: string; insertsOnly: string; subscription: string } {
  const base = slotName.slice(0, 55);
  return { allChanges: `${base}_pub`, insertsOnly: `${base}_pub_ins`, subscription: slotName };
}

/**
 * (Re)creates the task's publications; returns their names. They must exist before the slot
 * is created: pgoutput reads publications as of each change's position in the WAL. DMS does
 * not replicate TRUNCATE (docs/dms-notes.md §4), so neither do these. Tables without a
 * way to identify rows go into an inserts-only publication, as DMS captures only their
 * INSERTs, and so the source keeps accepting their UPDATEs and DELETEs. UNLOGGED tables are in
 * none: logical decoding never sees their changes, so DMS captures none (the full load copies
 * them once), and a publication refuses them. The first publication is created even when it
 * names no table, so the subscription always has one to read.
 */
export async function createPublications(source: PgClient, slotName: string, tables: readonly SourceTable[]): Promise<string[]> {
  const names = cdcObjectNames(slotName);
  await dropPublications(source, [names.allChanges, names.insertsOnly]);
  const captured = tables.filter((t) => t.logged);
  const made: string[] = [];
  const groups: [string, SourceTable[], string][] = [
    [names.allChanges, captured.filter((t) => t.capturesUpdates), "insert, update, delete"],
    [names.insertsOnly, captured.filter((t) => !t.capturesUpdates), "insert"],
  ];
  for (const [name, members, publish] of groups) {
    if (members.length === 0) continue;
    await source.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${members.map((m) => qualified(m.schema, m.table)).join(", ")} WITH (publish = ${quoteLiteral(publish)})`);
    made.push(name);
  }
  if (made.length === 0) {
    await source.query(`CREATE PUBLICATION ${quoteIdent(names.allChanges)} WITH (publish = 'insert, update, delete')`);
    made.push(names.allChanges);
  }
  return made;
}

export async function dropPublications(source: PgClient, names: readonly string[]): Promise<void> {
  for (const name of names) await source.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`);
}

/** A libpq connection string for the target server to reach the source. */
export function sourceConnInfo(source: PgEndpoint, applicationName: string): string {
  const quote = (v: string): string => `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const loc = source.location;
  const parts: [string, string][] = [
    ["host", loc.host],
    ["port", String(loc.port)],
    ["dbname", loc.database],
    ["user", loc.user],
    ["application_name", applicationName],
  ];
  if (source.password !== undefined) parts.push(["password", source.password]);
  const sslmode = loc.params["sslmode"];
  if (sslmode) parts.push(["sslmode", sslmode]);
  return parts.map(([k, v]) => `${k}=${quote(v)}`).join(" ");
}

export interface SubscriptionState {
  enabled: boolean;
  /** The apply worker's process id, when it runs. */
  workerPid: number | null;
}

export async function subscriptionState(target: PgClient, name: string): Promise<SubscriptionState | undefined> {
  const { rows } = await target.query<{ enabled: boolean; pid: number | null }>(
    `SELECT s.subenabled AS enabled,
            (SELECT st.pid FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL LIMIT 1) AS pid
       FROM pg_subscription s WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [name],
  );
  const row = rows[0];
  return row ? { enabled: row.enabled, workerPid: row.pid } : undefined;
}

/** Creates the subscription bound to the slot, or enables the one that is there (idempotent). */
export async function startSubscription(target: PgClient, source: PgEndpoint, slotName: string, publications: readonly string[]): Promise<void> {
  const name = cdcObjectNames(slotName).subscription;
  const state = await subscriptionState(target, name);
  if (state) {
    if (!state.enabled) await target.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} ENABLE`);
    return;
  }
  await target.query(
    `CREATE SUBSCRIPTION ${quoteIdent(name)} CONNECTION ${quoteLiteral(sourceConnInfo(source, name))}
       PUBLICATION ${publications.map(quoteIdent).join(", ")}
       WITH (create_slot = false, slot_name = ${quoteLiteral(slotName)}, copy_data = false, enabled = true)`,
  );
}

/** Disables the subscription and waits until its apply worker has let go of the slot. */
export async function pauseSubscription(target: PgClient, slotName: string, clock: Clock, waitMs = 30_000): Promise<void> {
  const name = cdcObjectNames(slotName).subscription;
  const state = await subscriptionState(target, name);
  if (!state) return;
  if (state.enabled) await target.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} DISABLE`);
  const deadline = clock.now().getTime() + waitMs;
  while ((await subscriptionState(target, name))?.workerPid && clock.now().getTime() < deadline) await clock.sleep(100);
}

/** Drops the subscription but not the slot: DMS leaves the slot on the source for cleanup to drop. */
export async function dropSubscriptionKeepSlot(target: PgClient, slotName: string, clock: Clock): Promise<void> {
  const name = cdcObjectNames(slotName).subscription;
  if (!(await subscriptionState(target, name))) return;
  await pauseSubscription(target, slotName, clock);
  await target.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} SET (slot_name = NONE)`);
  await target.query(`DROP SUBSCRIPTION ${quoteIdent(name)}`);
}

/** The target's cumulative row counters per table (they include the apply worker's writes). */
export async function targetRowCounters(target: PgClient): Promise<Map<string, { inserts: number; updates: number; deletes: number }>> {
  const { rows } = await target.query<{ schema: string; table: string; ins: string; upd: string; del: string }>(
    "SELECT schemaname::text AS schema, relname::text AS table, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del FROM pg_stat_user_tables",
  );
  return new Map(rows.map((r) => [`${r.schema}.${r.table}`, { inserts: Number(r.ins), updates: Number(r.upd), deletes: Number(r.del) }]));
}
