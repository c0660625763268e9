/**
 * The source side of a full-load-and-cdc start: a logical replication slot created together
 * with an exported snapshot, as DMS does. Every row the snapshot shows is copied by the full
 * load; every change committed after the slot's consistent point waits in the slot for CDC.
 * That split is what makes "nothing lost, nothing applied twice" hold.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import type { Clock } from "../core/clock.js";
import { type PgEndpoint, STANDIN_APPLICATION_NAME, closeQuietly, connectEndpoint } from "./endpoint.js";
import { quoteIdent } from "../plan/sql-text.js";

export interface ExportedSnapshot {
  slotName: string;
  /** For `SET TRANSACTION SNAPSHOT` in each copy session. */
  snapshotName: string;
  consistentPoint: string;
  /**
   * Ends the replication session. The snapshot can be imported only while that session stays
   * open and idle, so it is released once the full load is done with it.
   */
  release(): Promise<void>;
}

export async function createSlotWithSnapshot(source: PgEndpoint, slotName: string): Promise<ExportedSnapshot> {
  const walsender = await connectEndpoint(source, { replication: "database" });
  try {
    const result = await walsender.query<{ slot_name: string; consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(slotName)} LOGICAL pgoutput EXPORT_SNAPSHOT`,
    );
    const row = result.rows[0];
    if (!row?.snapshot_name) throw new Error(`CREATE_REPLICATION_SLOT ${slotName} returned no snapshot.`);
    return {
      slotName,
      snapshotName: row.snapshot_name,
      consistentPoint: row.consistent_point,
      release: () => closeQuietly(walsender),
    };
  } catch (err) {
    await closeQuietly(walsender);
    throw err;
  }
}

export interface SlotInfo {
  active: boolean;
  activePid: number | null;
  confirmedFlushLsn: string | null;
}

export async function slotInfo(source: PgClient, slotName: string): Promise<SlotInfo | undefined> {
  const { rows } = await source.query<{ active: boolean; active_pid: number | null; confirmed_flush_lsn: string | null }>(
    "SELECT active, active_pid, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1",
    [slotName],
  );
  const row = rows[0];
  return row ? { active: row.active, activePid: row.active_pid, confirmedFlushLsn: row.confirmed_flush_lsn } : undefined;
}

/**
 * Drops the slot if it exists. A slot still held by one of the stand-in's own sessions (a
 * process that died moments ago, whose session the server has not reaped yet) is waited for,
 * then that session is ended; a slot held by anyone else is left alone and reported.
 */
export async function dropSlotIfExists(source: PgClient, slotName: string, clock: Clock, waitMs = 5_000): Promise<boolean> {
  const deadline = clock.now().getTime() + waitMs;
  for (;;) {
    const info = await slotInfo(source, slotName);
    if (!info) return false;
    if (!info.active) {
      await source.query("SELECT pg_drop_replication_slot($1)", [slotName]);
      return true;
    }
    if (clock.now().getTime() >= deadline + waitMs) {
      throw new Error(`Replication slot "${slotName}" stays in use by process ${String(info.activePid)} even after it was asked to end.`);
    }
    if (clock.now().getTime() >= deadline) {
      const owner = await source.query<{ application_name: string }>("SELECT application_name FROM pg_stat_activity WHERE pid = $1", [info.activePid]);
      const app = owner.rows[0]?.application_name ?? "";
      if (app === STANDIN_APPLICATION_NAME || app === slotName) {
        await source.query("SELECT pg_terminate_backend($1)", [info.activePid]);
      } else {
        throw new Error(`Replication slot "${slotName}" is in use by process ${String(info.activePid)} (${app || "unknown application"}).`);
      }
    }
    await clock.sleep(100);
  }
}
