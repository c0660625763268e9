import type {
  ExtensionFact,
  LoginFact,
  PreparedXactFact,
  SchemaFact,
  SessionFact,
  SettingFact,
  SlotFact,
} from "../../../plan/preflight/facts.js";
import { TOOL_SCHEMA } from "../marker.js";
import type { CountingClient } from "./counting-client.js";

/**
 * The catalog queries of the preflight. Each is one round trip whatever the number of tables
 * (lists are filtered with `= ANY($1)` and aggregated on the server), so check-source costs the
 * same number of queries on 10 tables as on 5,000.
 */

/** Settings the checks read; a missing one is absent or hidden on that server. */
export const SETTING_NAMES = [
  "wal_level",
  "max_replication_slots",
  "max_wal_senders",
  "wal_sender_timeout",
  "max_slot_wal_keep_size",
  "logical_decoding_work_mem",
  "idle_in_transaction_session_timeout",
  "shared_preload_libraries",
  "hba_file",
  "config_file",
  "max_connections",
  // The method of the proposed pg_hba.conf lines (scram-sha-256 or md5).
  "password_encryption",
] as const;

export interface ServerRow {
  serverVersion: string;
  serverVersionNum: number;
  database: string;
  inRecovery: boolean;
  login: LoginFact;
  largeObjectCount: number;
  walSendersInUse: number;
  settings: Record<string, SettingFact>;
}

export async function readServer(db: CountingClient): Promise<ServerRow> {
  const rows = await db.query<{
    server_version: string;
    server_version_num: number;
    database: string;
    in_recovery: boolean;
    rolname: string;
    rolsuper: boolean;
    rolreplication: boolean;
    read_all_stats: boolean;
    read_all_settings: boolean;
    large_objects: number;
    wal_senders: number;
    settings: { name: string; setting: string; unit: string | null; context: string; pending_restart: boolean }[] | null;
  }>(
    "catalog",
    `SELECT current_setting('server_version') AS server_version,
            current_setting('server_version_num')::int AS server_version_num,
            current_database() AS database,
            pg_is_in_recovery() AS in_recovery,
            r.rolname, r.rolsuper, r.rolreplication,
            -- CASE keeps pg_has_role away from roles an old server does not have.
            CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_stats')
                 THEN pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') ELSE r.rolsuper END AS read_all_stats,
            CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_settings')
                 THEN pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') ELSE r.rolsuper END AS read_all_settings,
            (SELECT count(*) FROM pg_largeobject_metadata)::float8 AS large_objects,
            (SELECT count(*) FROM pg_stat_replication)::int AS wal_senders,
            (SELECT json_agg(json_build_object('name', name, 'setting', setting, 'unit', unit, 'context', context,
                                               'pending_restart', pending_restart))
               FROM pg_settings WHERE name = ANY($1)) AS settings
       FROM pg_roles r WHERE r.rolname = current_user`,
    [[...SETTING_NAMES]],
  );
  const row = rows[0]!;
  const settings: Record<string, SettingFact> = {};
  for (const s of row.settings ?? []) {
    settings[s.name] = { setting: s.setting, unit: s.unit, context: s.context, pendingRestart: s.pending_restart };
  }
  return {
    serverVersion: row.server_version,
    serverVersionNum: row.server_version_num,
    database: row.database,
    inRecovery: row.in_recovery,
    login: {
      name: row.rolname,
      superuser: row.rolsuper,
      replication: row.rolreplication,
      readAllStats: row.read_all_stats,
      readAllSettings: row.read_all_settings,
    },
    largeObjectCount: row.large_objects,
    walSendersInUse: row.wal_senders,
    settings,
  };
}

/** Every schema a user could mean to migrate: not PostgreSQL's own, not this tool's. */
export async function readSchemas(db: CountingClient): Promise<SchemaFact[]> {
  const rows = await db.query<{ name: string; table_count: number }>(
    "catalog",
    `SELECT n.nspname AS name, count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p'))::int AS table_count
       FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', $1)
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
      GROUP BY n.nspname ORDER BY n.nspname`,
    [TOOL_SCHEMA],
  );
  return rows.map((r) => ({ name: r.name, tableCount: r.table_count }));
}

export async function readExtensions(db: CountingClient): Promise<ExtensionFact[]> {
  const rows = await db.query<{ name: string; version: string; schema: string }>(
    "catalog",
    `SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1`,
  );
  return rows;
}

export async function readSlots(db: CountingClient): Promise<SlotFact[]> {
  const rows = await db.query<{
    name: string;
    plugin: string | null;
    slot_type: string;
    database: string | null;
    active: boolean;
    retained: number | null;
    wal_status: string | null;
  }>(
    "catalog",
    // to_jsonb(s) reads wal_status where the server has it (13+) without failing elsewhere.
    `SELECT s.slot_name AS name, s.plugin, s.slot_type, s.database, s.active,
            CASE WHEN pg_is_in_recovery() OR s.restart_lsn IS NULL THEN NULL
                 ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::float8 END AS retained,
            to_jsonb(s) ->> 'wal_status' AS wal_status
       FROM pg_replication_slots s ORDER BY 1`,
  );
  return rows.map((r) => ({
    name: r.name,
    plugin: r.plugin,
    slotType: r.slot_type,
    database: r.database,
    active: r.active,
    retainedBytes: r.retained,
    walStatus: r.wal_status,
  }));
}

/** Transactions other sessions have held open longer than `thresholdSeconds`. */
export async function readLongTransactions(db: CountingClient, thresholdSeconds: number): Promise<SessionFact[]> {
  const rows = await db.query<{
    pid: number;
    usename: string | null;
    datname: string | null;
    application_name: string | null;
    state: string | null;
    seconds: number;
  }>(
    "catalog",
    `SELECT pid, usename, datname, application_name, state,
            extract(epoch FROM now() - xact_start)::float8 AS seconds
       FROM pg_stat_activity
      WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
        AND now() - xact_start > make_interval(secs => $1)
      ORDER BY xact_start`,
    [thresholdSeconds],
  );
  return rows.map((r) => ({
    pid: r.pid,
    user: r.usename,
    database: r.datname,
    applicationName: r.application_name,
    state: r.state,
    transactionSeconds: r.seconds,
  }));
}

export async function readPreparedTransactions(db: CountingClient): Promise<PreparedXactFact[]> {
  const rows = await db.query<{ gid: string; database: string; owner: string; age: number }>(
    "catalog",
    `SELECT gid, database, owner, extract(epoch FROM now() - prepared)::float8 AS age FROM pg_prepared_xacts ORDER BY prepared`,
  );
  return rows.map((r) => ({ gid: r.gid, database: r.database, owner: r.owner, ageSeconds: r.age }));
}
