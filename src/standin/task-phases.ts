/**
 * What the stand-in's replication task does to the databases, phase by phase: the full load,
 * CDC, pausing it and dropping what the task created. The task's lifecycle (statuses, the job
 * chain, the record, recovery after a restart) is replication-engine.ts's.
 *
 * How it moves rows
 * - start-replication: publications for the mapped tables on the source (they must predate the
 *   slot: pgoutput reads them as of each change's WAL position), then a logical slot created
 *   with an exported snapshot on a replication connection that stays open and idle while the
 *   snapshot is in use. Every mapped table is copied from that snapshot by MaxFullLoadSubTasks
 *   sub-tasks (TRUNCATE_BEFORE_LOAD one table per statement, no CASCADE, so it fails where DMS
 *   fails when foreign keys point at a mapped table). Rows committed before the slot's
 *   consistent point are in the snapshot; later ones wait in the slot: none lost, none twice.
 * - With StopTaskCachedChangesNotApplied the task stops there ("Stop Reason
 *   STOPPED_AFTER_FULL_LOAD"); the slot keeps the cached changes.
 * - resume-processing: a subscription on the target bound to that slot (create_slot = false,
 *   copy_data = false) applies the cached and then the ongoing changes. Its apply worker runs
 *   with session_replication_role = replica and never touches sequences, as DMS.
 * - stop disables the subscription (the slot keeps what arrives meanwhile); delete drops the
 *   subscription without the slot (DMS leaves the slot on the source; cleanup drops it) and the
 *   publications.
 *
 * A CDC-only task (MigrationType `cdc`, the rollback window's reverse task; docs/dms-notes.md
 * §18) has no full load: it reads the slot its source endpoint's SlotName names, created
 * beforehand with test_decoding, as DMS needs it; the task never creates it, and deleting the
 * task leaves it. Its publications are made when the task is created (prepareCdcOnly). The
 * first start (startCdcFromSlot) checks what DMS checks (the slot exists in the endpoint's
 * database, is a test_decoding slot nobody reads, CdcStartPosition is valid and not older than
 * the slot's confirmed position), copies the slot into the internal pgoutput slot
 * `<named>_standin` moved to the start position (named-slot.ts), and applies from it as any
 * CDC, with the same losses as below: every change committed after the start position once,
 * none before. As changes are applied, the named slot is advanced to what was applied.
 *
 * Where DMS loses or duplicates data, the stand-in does too (so the demo and the tests show the
 * tool's guards, not the stand-in's kindness):
 * - An UPDATE that changes a primary key is not applied (docs/dms-notes.md §4): the target
 *   keeps the row under its old key. A later UPDATE or DELETE of the row under its new key
 *   matches no row and does nothing; an INSERT that reuses the old key is dropped (DMS's
 *   default ApplyErrorInsertPolicy LOG_ERROR) instead of stopping the apply. Done by the
 *   `awsdms_standin_pk_guard` trigger (pk-guard.ts), on the mapped target tables while CDC runs
 *   only: installed when CDC starts or resumes, removed when the task stops, reloads or is
 *   deleted. After a SIGKILL, `open` finishes what was under way (continue-cdc installs it
 *   again, finish-stop and finish-delete remove it).
 * - A partitioned parent the mappings select is read like a table: its rows arrive through it
 *   and again through each selected partition (docs/dms-notes.md §11). Duplicated rows on a
 *   target without a key; with a primary key, the parent's load fails on the duplicate key
 *   ("Table error", the task fails as for any table the stand-in cannot load). See full-load.ts
 *   loadPhases for the order. A mapping that excludes the parent (as the tool's does) loads
 *   every row once.
 * - UNLOGGED tables are copied by the full load and get no CDC: logical decoding never sees
 *   their changes, so later changes never arrive (the publications leave them out).
 * - TRUNCATE during CDC is not applied (docs/dms-notes.md §4): the publications do not publish
 *   it.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import { withBoth } from "../adapters/postgres/sessions.js";
import { describeLocation } from "../adapters/postgres/url.js";
import type { Clock } from "../core/clock.js";
import {
  cdcObjectNames,
  createPublications,
  dropPublications,
  dropSubscriptionKeepSlot,
  pauseSubscription,
  startSubscription,
  subscriptionState,
  targetRowCounters,
} from "./cdc-subscription.js";
import { type PgEndpoint, closeQuietly, connectEndpoint, withSession } from "./endpoint.js";
import { failureMessage, noTablesMessage } from "./failure-message.js";
import { runFullLoad } from "./full-load.js";
import { copyNamedSlot, followNamedSlot, internalSlotName, namedSlotPluginProblem } from "./named-slot.js";
import { installPkGuard, removePkGuard } from "./pk-guard.js";
import { type ExportedSnapshot, createSlotWithSnapshot, dropSlotIfExists, slotInfo } from "./snapshot-slot.js";
import { type SourceTable, createMissingTargetTables, resolveSourceTables } from "./source-tables.js";
import type { RangeSegmentation, SelectionRule } from "./table-mappings.js";
import { type TableRecord, type TaskRecord, type TaskStatus, StopReason } from "./task-record.js";
import type { StandinTaskSettings } from "./task-settings.js";

export interface ReplicationEngineConfig {
  /** The task's identifier, for messages. */
  taskId: string;
  source: PgEndpoint;
  target: PgEndpoint;
  /** DMS `TableMappings` JSON (selection rules). */
  tableMappings: string;
  settings: StandinTaskSettings;
  /**
   * The logical replication slot on the source (the source endpoint's `SlotName`). A cdc task's
   * is the named test_decoding slot; its subscription reads the internal copy (subscriptionSlot).
   */
  slotName: string;
  /** DMS MigrationType. Default full-load-and-cdc; `cdc` reads the existing slot `slotName` (§18). */
  migrationType?: "full-load-and-cdc" | "cdc";
  /** A CDC-only task's CdcStartPosition given at creation (StartReplicationTask may give another). */
  cdcStartPosition?: string;
  /**
   * Where the target *server* reaches the source, for the subscription's connection. Default:
   * the source endpoint's host and port (right when both servers run on one machine).
   */
  sourceAsSeenFromTarget?: { host: string; port: number };
}

/** What the phases need of the engine: the task's record and the ways it changes. */
export interface PhaseHost {
  readonly config: ReplicationEngineConfig;
  readonly record: TaskRecord;
  readonly rules: readonly SelectionRule[];
  /** The table mappings' `parallel-load` `ranges` rules. */
  readonly parallelLoads: readonly RangeSegmentation[];
  readonly clock: Clock;
  readonly tableDelayMs: number | undefined;
  /** Queues a write of the record. */
  save(): void;
  setStatus(status: TaskStatus): void;
  finish(status: "stopped", stopReason: string): void;
  fail(message: string): void;
  updateTable(t: SourceTable, patch: Partial<TableRecord>, persist: boolean): void;
  /** Starts sampling the WAL position for the latency figures. */
  startMonitor(): void;
}

/** The full load, from a fresh slot and its exported snapshot; then CDC, or a stop before the cached changes. */
export async function fullLoad(host: PhaseHost, signal: AbortSignal): Promise<void> {
  const r = host.record;
  const previous = new Map(r.tables.map((t) => [`${t.schema}.${t.table}`, t]));
  r.phase = "full-load";
  r.tables = [];
  delete r.fullLoadStartDate;
  delete r.fullLoadFinishDate;
  delete r.cdcBaseline;
  host.save();
  const sessions: PgClient[] = [];
  let snapshot: ExportedSnapshot | undefined;
  const endSessions = (): void => {
    for (const s of sessions) void closeQuietly(s);
    void snapshot?.release();
  };
  signal.addEventListener("abort", endSessions, { once: true });
  try {
    const source = await connectEndpoint(host.config.source);
    sessions.push(source);
    const target = await connectEndpoint(host.config.target);
    sessions.push(target);
    signal.throwIfAborted();
    const tables = await resolveSourceTables(source, host.rules);
    if (tables.length === 0) throw new NoTablesError();
    // A reload after CDC: the old subscription is bound to the slot about to be replaced.
    await dropSubscriptionKeepSlot(target, host.config.slotName, host.clock);
    await removePkGuard(target);
    r.publications = await createPublications(source, host.config.slotName, tables);
    host.save();
    await dropSlotIfExists(source, host.config.slotName, host.clock);
    signal.throwIfAborted();
    snapshot = await createSlotWithSnapshot(host.config.source, host.config.slotName);
    if (signal.aborted) await snapshot.release();
    signal.throwIfAborted();
    await createMissingTargetTables(source, target, tables);
    r.tables = tables.map((t) => newTableRecord(t, previous.has(`${t.schema}.${t.table}`)));
    r.fullLoadStartDate = host.clock.now().toISOString();
    host.setStatus("running");
    await runFullLoad({
      source: host.config.source,
      target: host.config.target,
      snapshotName: snapshot.snapshotName,
      tables,
      subTasks: host.config.settings.maxFullLoadSubTasks,
      parallelLoads: host.parallelLoads,
      truncateFirst: host.config.settings.targetTablePrepMode === "TRUNCATE_BEFORE_LOAD",
      signal,
      ...(host.tableDelayMs ? { tableDelayMs: host.tableDelayMs } : {}),
      events: {
        tableStarted: (t) => host.updateTable(t, { state: "Full load", fullLoadStartTime: host.clock.now().toISOString() }, true),
        tableRows: (t, rows) => host.updateTable(t, { fullLoadRows: rows }, false),
        tableCompleted: (t, rows) => host.updateTable(t, { state: "Table completed", fullLoadRows: rows, fullLoadEndTime: host.clock.now().toISOString() }, true),
        tableFailed: (t) => host.updateTable(t, { state: "Table error" }, true),
      },
    });
    await snapshot.release();
    r.fullLoadFinishDate = host.clock.now().toISOString();
    r.phase = "loaded";
    host.save();
    if (host.config.settings.stopTaskCachedChangesNotApplied) {
      host.setStatus("stopping");
      host.finish("stopped", StopReason.afterFullLoad);
      return;
    }
    await startCdc(host, signal);
  } catch (err) {
    // Aborted by stop() (whose own job finishes the task) or by close() (the record stays
    // as it was, for open() to redo the load): nothing failed.
    if (signal.aborted) return;
    host.fail(err instanceof NoTablesError ? noTablesMessage() : failureMessage(err, host.config.settings.targetTablePrepMode));
  } finally {
    signal.removeEventListener("abort", endSessions);
    endSessions();
  }
}

/** CDC: the subscription bound to the slot applies the cached and then the ongoing changes (idempotent). */
export async function startCdc(host: PhaseHost, signal: AbortSignal): Promise<void> {
  const r = host.record;
  try {
    const slot = subscriptionSlot(host.config);
    await withBoth(() => connectEndpoint(host.config.source), () => connectEndpoint(host.config.target), async (source, target) => {
      // A cdc task: DMS reads the named slot, the stand-in its internal copy; both must be there.
      for (const name of r.migrationType === "cdc" ? [host.config.slotName, slot] : [slot]) {
        if (await slotInfo(source, name)) continue;
        const remedy = r.migrationType === "cdc" ? "a cdc task cannot recreate it (changes since are lost to it)" : "reload the target to start over";
        throw new Error(`the replication slot "${name}" no longer exists on the source ${describeLocation(host.config.source.location)}; ${remedy}.`);
      }
      if (!r.cdcBaseline) {
        const counters = await targetRowCounters(target);
        r.cdcBaseline = Object.fromEntries(r.tables.map((t) => [`${t.schema}.${t.table}`, counters.get(`${t.schema}.${t.table}`) ?? { inserts: 0, updates: 0, deletes: 0 }]));
        host.save();
      }
      signal.throwIfAborted();
      // Before the apply worker starts: DMS never applies a primary-key change (pk-guard.ts).
      const mapped = new Set(r.tables.map((t) => `${t.schema}\u0000${t.table}`));
      const captured = (await resolveSourceTables(source, host.rules)).filter((t) => mapped.has(`${t.schema}\u0000${t.table}`) && t.logged && t.capturesUpdates);
      await installPkGuard(target, captured);
      const state = await subscriptionState(target, cdcObjectNames(slot).subscription);
      if (!state?.enabled) await startSubscription(target, sourceForTarget(host.config), slot, r.publications);
    });
    r.phase = "cdc";
    host.save();
    if (signal.aborted) return; // a stop() arrived meanwhile: its job pauses the subscription
    host.setStatus("running");
    host.startMonitor();
  } catch (err) {
    if (signal.aborted) return;
    host.fail(failureMessage(err, host.config.settings.targetTablePrepMode));
  }
}

/**
 * Stop: the subscription paused (the slot keeps what arrives meanwhile), then the primary-key
 * guard removed; a cdc task's named slot then confirms everything applied.
 */
export async function pauseCdc(host: PhaseHost): Promise<void> {
  await withSession(host.config.target, async (t) => {
    await pauseSubscription(t, subscriptionSlot(host.config), host.clock);
    // Only once the apply worker has let go: the guard's work is done until CDC resumes.
    await removePkGuard(t);
  });
  if (host.record.migrationType === "cdc") await withSession(host.config.source, (s) => followQuietly(s, host.config.slotName));
}

/**
 * Delete: the subscription (not the slot: DMS leaves it), the guard and the publications
 * dropped. A cdc task's internal slot is the stand-in's own and goes too (after the named slot
 * confirmed what was applied); the named slot stays.
 */
export async function dropTaskObjects(host: PhaseHost): Promise<void> {
  const slot = subscriptionSlot(host.config);
  await withSession(host.config.target, async (t) => {
    await dropSubscriptionKeepSlot(t, slot, host.clock);
    await removePkGuard(t);
  });
  const names = cdcObjectNames(slot);
  await withSession(host.config.source, async (s) => {
    if (host.record.migrationType === "cdc") {
      await followQuietly(s, host.config.slotName);
      await dropSlotIfExists(s, slot, host.clock);
    }
    await dropPublications(s, [...new Set([...host.record.publications, names.allChanges, names.insertsOnly])]);
  });
}

/** The slot the subscription reads: a cdc task's internal copy of the named slot, else the task's slot. */
export function subscriptionSlot(config: Pick<ReplicationEngineConfig, "slotName" | "migrationType">): string {
  return config.migrationType === "cdc" ? internalSlotName(config.slotName) : config.slotName;
}

/** followNamedSlot, best effort: a named slot someone reads or dropped meanwhile is left as it is. */
async function followQuietly(source: PgClient, named: string): Promise<void> {
  await followNamedSlot(source, named).catch(() => undefined);
}

/**
 * CreateReplicationTask of a CDC-only task: its publications on the source, and the WAL position
 * once they exist. CDC from a start position after that decodes every mapped table's changes.
 */
export async function prepareCdcOnly(host: PhaseHost): Promise<void> {
  const r = host.record;
  await withSession(host.config.source, async (source) => {
    const tables = await resolveSourceTables(source, host.rules);
    r.publications = await createPublications(source, subscriptionSlot(host.config), tables);
    // The insert position: the write position lags behind it when commits do not wait for WAL.
    const { rows } = await source.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
    if (rows[0]) r.publicationsLsn = rows[0].lsn;
  });
  host.save();
}

/** A PostgreSQL LSN as CdcStartPosition takes it (docs/dms-notes.md §18), e.g. `4AF/B00000D0`. */
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/**
 * A CDC-only task's first start: what DMS checks before it reads a named slot (§18); then the
 * internal slot copied from it at the start position (named-slot.ts) and CDC as any task's.
 * Never creates or moves the named slot here (it follows what is applied once CDC runs).
 */
export async function startCdcFromSlot(host: PhaseHost, signal: AbortSignal): Promise<void> {
  const r = host.record;
  const slotName = host.config.slotName;
  const where = describeLocation(host.config.source.location);
  try {
    await withSession(host.config.source, async (source) => {
      const { rows } = await source.query<{ plugin: string; database: string | null; active: boolean; active_pid: number | null; confirmed: string | null; older: boolean | null }>(
        `SELECT plugin, database::text, active, active_pid, confirmed_flush_lsn::text AS confirmed,
                CASE WHEN $2::text IS NULL THEN NULL ELSE $2::pg_lsn < confirmed_flush_lsn END AS older
           FROM pg_replication_slots WHERE slot_name = $1 AND slot_type = 'logical'`,
        [slotName, r.cdcStartPosition !== undefined && LSN.test(r.cdcStartPosition) ? r.cdcStartPosition : null],
      );
      const slot = rows[0];
      if (!slot) {
        throw new Error(`The logical replication slot "${slotName}" (the source endpoint's SlotName) does not exist on the source ${where}. A cdc task reads an existing slot and never creates one: create the slot, then start the task.`);
      }
      if (slot.database !== host.config.source.location.database) {
        throw new Error(`The replication slot "${slotName}" belongs to database ${slot.database ?? "(none)"}, not to the source endpoint's database ${host.config.source.location.database}.`);
      }
      const pluginProblem = namedSlotPluginProblem(slotName, slot.plugin);
      if (pluginProblem) throw new Error(pluginProblem);
      if (slot.active) throw new Error(`The replication slot "${slotName}" is in use by process ${String(slot.active_pid)}; a slot serves one reader at a time.`);
      if (slot.confirmed === null) throw new Error(`The replication slot "${slotName}" has no confirmed position yet (it is still being created).`);
      const position = r.cdcStartPosition;
      if (position === undefined || position === "") {
        throw new Error(`The task has no CdcStartPosition. With a slot named by the source endpoint (SlotName "${slotName}") DMS needs one: give the slot's name or an LSN such as ${slot.confirmed} (CreateReplicationTask or StartReplicationTask).`);
      }
      if (position !== slotName) {
        if (!LSN.test(position)) throw new Error(`CdcStartPosition "${position}" is not valid for a PostgreSQL source: give an LSN such as ${slot.confirmed} or the slot's name "${slotName}".`);
        if (slot.older) throw new Error(`CdcStartPosition ${position} is older than the slot's confirmed_flush_lsn ${slot.confirmed}: the slot no longer holds the changes from there.`);
      }
      // Changes between the slot's position and a later start position are skipped, as asked.
      const start = position === slotName ? slot.confirmed : position;
      if (r.publicationsLsn) {
        const { rows: order } = await source.query<{ before: boolean }>("SELECT $1::pg_lsn < $2::pg_lsn AS before", [start, r.publicationsLsn]);
        if (order[0]?.before) {
          throw new Error(`The replication slot "${slotName}" starts at ${start}, before this task was created (its publications date from ${r.publicationsLsn}); the local stand-in decodes only changes after its publications existed. Create the slot after the task.`);
        }
      }
      const tables = await resolveSourceTables(source, host.rules);
      if (tables.length === 0) throw new NoTablesError();
      // A copy left by a first start that died before CDC began: nothing was applied from it.
      await dropSlotIfExists(source, internalSlotName(slotName), host.clock);
      signal.throwIfAborted();
      await copyNamedSlot(source, slotName, start, host.clock);
      r.tables = tables.map((t) => ({ ...newTableRecord(t, false), state: "Table completed" as const }));
    });
    host.save();
  } catch (err) {
    if (signal.aborted) return;
    host.fail(err instanceof NoTablesError ? noTablesMessage() : failureMessage(err, host.config.settings.targetTablePrepMode));
    return;
  }
  if (signal.aborted) return;
  await startCdc(host, signal);
}

function sourceForTarget(config: ReplicationEngineConfig): PgEndpoint {
  const over = config.sourceAsSeenFromTarget;
  if (!over) return config.source;
  return { ...config.source, location: { ...config.source.location, host: over.host, port: over.port } };
}

class NoTablesError extends Error {}

function newTableRecord(t: SourceTable, reloaded: boolean): TableRecord {
  return {
    schema: t.schema,
    table: t.table,
    state: "Before load",
    fullLoadRows: 0,
    estimatedRows: t.estimatedRows,
    weight: Math.max(8192, t.bytes),
    reloaded,
  };
}
