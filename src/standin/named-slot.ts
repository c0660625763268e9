/**
 * A CDC-only task's two slots (docs/dms-notes.md §18).
 *
 * - The named slot: the source endpoint's SlotName, created beforehand by whoever set the task
 *   up, with `test_decoding` (the plugin DMS reads when pglogical is not loaded). The stand-in
 *   reads it as DMS would: checks it at the first start, then confirms in it what was applied
 *   (followNamedSlot), so it keeps no more WAL than under DMS. It never creates or drops it.
 * - The internal slot `<named>_standin`: PostgreSQL's own logical replication, which the
 *   stand-in applies through, reads pgoutput only. At the first start the named slot is copied
 *   into it (pg_copy_logical_replication_slot: the same restart and confirmed positions, the
 *   plugin changed to pgoutput), then it is moved to the CDC start position and the
 *   subscription reads it. It is the stand-in's artefact: deleting the task drops it.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import type { Clock } from "../core/clock.js";

/** The internal pgoutput slot of a cdc task whose endpoint names `named` (at most 63 bytes, as any slot name). */
export function internalSlotName(named: string): string {
  return `${named.slice(0, 55)}_standin`;
}

/** The plugin DMS reads a named slot with; the stand-in accepts exactly this one. */
export const NAMED_SLOT_PLUGIN = "test_decoding";

/**
 * Why DMS (or the stand-in) would not read a slot made with `plugin`; undefined when it would.
 * DMS reads test_decoding or pglogical slots; the stand-in does not check pglogical's
 * replication sets, so it refuses pglogical slots rather than accept one DMS might not read.
 */
export function namedSlotPluginProblem(slotName: string, plugin: string): string | undefined {
  if (plugin === NAMED_SLOT_PLUGIN) return undefined;
  const create = `create it with SELECT pg_create_logical_replication_slot('${slotName.replace(/'/g, "''")}', 'test_decoding')`;
  if (plugin === "pglogical" || plugin === "pglogical_output") {
    return `The replication slot "${slotName}" uses the ${plugin} plugin; DMS reads it only with the endpoint's PluginName=pglogical and pglogical's replication sets, which the local stand-in does not check: it reads test_decoding slots only (${create}).`;
  }
  return `The replication slot "${slotName}" uses the ${plugin} plugin, which DMS does not read: DMS reads test_decoding or pglogical slots (${create}).`;
}

/**
 * The internal slot made from the named one: a copy (same positions, pgoutput), moved on to
 * `startLsn` when that is later than the named slot's confirmed position. Changes committed
 * after the start position reach the subscription; earlier ones do not, as with DMS.
 * A slot advances only as far as WAL is flushed (commits need not wait for it), so the move is
 * repeated until it reaches the start position.
 */
export async function copyNamedSlot(source: PgClient, named: string, startLsn: string, clock: Clock, waitMs = 30_000): Promise<void> {
  const internal = internalSlotName(named);
  const { rows: ahead } = await source.query<{ ahead: boolean }>("SELECT $1::pg_lsn > pg_current_wal_insert_lsn() AS ahead", [startLsn]);
  if (ahead[0]?.ahead) throw new Error(`CdcStartPosition ${startLsn} is ahead of the source's WAL: give a position the source has written.`);
  await source.query("SELECT pg_copy_logical_replication_slot($1, $2, false, 'pgoutput')", [named, internal]);
  const deadline = clock.now().getTime() + waitMs;
  for (;;) {
    const { rows } = await source.query<{ behind: boolean }>(
      "SELECT confirmed_flush_lsn < $2::pg_lsn AS behind FROM pg_replication_slots WHERE slot_name = $1",
      [internal, startLsn],
    );
    if (!rows[0]?.behind) return;
    if (clock.now().getTime() >= deadline) throw new Error(`The source's WAL was not flushed up to the CdcStartPosition ${startLsn} within ${waitMs / 1000} s.`);
    await source.query("SELECT pg_replication_slot_advance($1, $2::pg_lsn)", [internal, startLsn]);
    await clock.sleep(50);
  }
}

/**
 * Confirms in the named slot what the subscription has applied (the internal slot's
 * confirmed_flush_lsn), as DMS confirms the LSNs it applied: the named slot then retains only
 * WAL not yet applied. Never moves it backwards; leaves it alone while something reads it.
 * Returns the named slot's confirmed position after the call (undefined: no such slot pair).
 */
export async function followNamedSlot(source: PgClient, named: string): Promise<string | undefined> {
  const { rows } = await source.query<{ named: string | null; applied: string | null; behind: boolean; active: boolean }>(
    `SELECT n.confirmed_flush_lsn::text AS named, i.confirmed_flush_lsn::text AS applied,
            coalesce(i.confirmed_flush_lsn > n.confirmed_flush_lsn, false) AS behind, n.active
       FROM pg_replication_slots n JOIN pg_replication_slots i ON i.slot_name = $2
      WHERE n.slot_name = $1`,
    [named, internalSlotName(named)],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (!row.behind || row.active || row.applied === null) return row.named ?? undefined;
  const moved = await source.query<{ lsn: string }>("SELECT end_lsn::text AS lsn FROM pg_replication_slot_advance($1, $2::pg_lsn)", [named, row.applied]);
  return moved.rows[0]?.lsn ?? row.applied;
}
