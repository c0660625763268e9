import type { WalReading } from "../../plan/wal-retention.js";
import type { PgClient } from "./connect.js";

/**
 * One reading of the WAL a replication slot keeps on the source, with the server's limit. One
 * query for every supported version: `wal_status` and `safe_wal_size` (PostgreSQL 13+) are read
 * through to_jsonb so older servers answer NULL instead of failing, and
 * `max_slot_wal_keep_size` (13+, in MB) comes from pg_settings. Undefined when the slot is gone.
 */
export async function readWalRetention(client: PgClient, slotName: string, at: Date): Promise<WalReading | undefined> {
  const { rows } = await client.query<{ retained: string | null; wal_status: string | null; safe_wal_size: string | null; max_keep_mb: string | null }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint::text AS retained,
            to_jsonb(s) ->> 'wal_status' AS wal_status,
            to_jsonb(s) ->> 'safe_wal_size' AS safe_wal_size,
            (SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size') AS max_keep_mb
       FROM pg_replication_slots s
      WHERE s.slot_name = $1`,
    [slotName],
  );
  const row = rows[0];
  if (!row) return undefined;
  const maxKeepMb = row.max_keep_mb === null ? -1 : Number(row.max_keep_mb);
  return {
    at,
    // NULL restart_lsn: the slot has not reserved WAL yet, or lost it (wal_status says which).
    retainedBytes: row.retained === null ? 0 : Number(row.retained),
    ...(maxKeepMb >= 0 ? { maxKeepBytes: maxKeepMb * 1024 * 1024 } : {}),
    ...(row.safe_wal_size !== null ? { safeWalBytes: Number(row.safe_wal_size) } : {}),
    ...(row.wal_status !== null ? { walStatus: row.wal_status } : {}),
  };
}
