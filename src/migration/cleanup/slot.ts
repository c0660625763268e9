import type { PgClient } from "../../adapters/postgres/connect.js";
import { BlockedError, OperationError, errorMessage } from "../../core/errors.js";

export interface SlotInfo {
  name: string;
  plugin: string | null;
  database: string | null;
  active: boolean;
  activePid: number | null;
  /** WAL the slot keeps on disk, in bytes. */
  retainedBytes: number | null;
  /** Who holds an active slot, from pg_stat_activity. */
  holder?: { role: string; application: string; clientAddr: string | null; since: string | null };
}

/** The slot as the source sees it now, or undefined when it does not exist. */
export async function readSlot(client: PgClient, name: string): Promise<SlotInfo | undefined> {
  const { rows } = await client.query<{
    plugin: string | null;
    database: string | null;
    active: boolean;
    active_pid: number | null;
    retained: string | null;
    role: string | null;
    application: string | null;
    client_addr: string | null;
    since: Date | null;
  }>(
    `SELECT s.plugin, s.database, s.active, s.active_pid,
            pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint::text AS retained,
            a.usename AS role, a.application_name AS application, host(a.client_addr) AS client_addr, a.backend_start AS since
       FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid
      WHERE s.slot_name = $1`,
    [name],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    name,
    plugin: r.plugin,
    database: r.database,
    active: r.active,
    activePid: r.active_pid,
    retainedBytes: r.retained === null ? null : Number(r.retained),
    ...(r.active && r.role !== null
      ? { holder: { role: r.role, application: r.application ?? "", clientAddr: r.client_addr, since: r.since ? r.since.toISOString() : null } }
      : {}),
  };
}

function activeError(slot: SlotInfo): BlockedError {
  const who = slot.holder
    ? `pid ${slot.activePid} (role ${slot.holder.role}${slot.holder.application ? `, application "${slot.holder.application}"` : ""}${slot.holder.clientAddr ? `, from ${slot.holder.clientAddr}` : ""}${slot.holder.since ? `, connected since ${slot.holder.since}` : ""})`
    : `pid ${slot.activePid ?? "?"}`;
  return new BlockedError(`The replication slot "${slot.name}" is in use by ${who}; it is not dropped while something reads from it.`, {
    hint: [
      "If that is the DMS task: stop it (cleanup stops it unless you keep it running), wait until it shows stopped, then run cleanup again.",
      `If it is something else, stop that consumer first, or end it on the source with SELECT pg_terminate_backend(${slot.activePid ?? "<pid>"}); only if you are sure it is no longer needed.`,
    ].join("\n"),
  });
}

/**
 * Drops the slot, refusing while it is active (a live consumer would lose its position).
 * Returns "already-gone" when there is no such slot.
 */
export async function dropSlot(client: PgClient, name: string): Promise<"dropped" | "already-gone"> {
  const slot = await readSlot(client, name);
  if (!slot) return "already-gone";
  if (slot.active) throw activeError(slot);
  try {
    await client.query("SELECT pg_drop_replication_slot($1)", [name]);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "42704") return "already-gone";
    // It became active between the check and the drop.
    const again = code === "55006" ? await readSlot(client, name) : undefined;
    if (again?.active) throw activeError(again);
    throw new OperationError(`Cannot drop the replication slot "${name}": ${errorMessage(err)}`, {
      cause: err,
      hint: `Drop it as a superuser or a REPLICATION role: SELECT pg_drop_replication_slot('${name}');`,
    });
  }
  return "dropped";
}

/** Inactive logical slots on the source other than `except`: WAL they keep grows until dropped. */
export async function otherInactiveSlots(client: PgClient, except: string | undefined): Promise<SlotInfo[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT slot_name AS name FROM pg_replication_slots WHERE slot_type = 'logical' AND NOT active AND slot_name IS DISTINCT FROM $1 ORDER BY 1",
    [except ?? null],
  );
  const out: SlotInfo[] = [];
  for (const { name } of rows) {
    const s = await readSlot(client, name);
    if (s) out.push(s);
  }
  return out;
}
