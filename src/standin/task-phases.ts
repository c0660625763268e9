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
  /** The logical replication slot on the source (the source endpoint's `SlotName`). */
  slotName: string;
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
    await withBoth(() => connectEndpoint(host.config.source), () => connectEndpoint(host.config.target), async (source, target) => {
      if (!(await slotInfo(source, host.config.slotName))) {
        throw new Error(`the replication slot "${host.config.slotName}" no longer exists on the source ${describeLocation(host.config.source.location)}; reload the target to start over.`);
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
      const state = await subscriptionState(target, cdcObjectNames(host.config.slotName).subscription);
      if (!state?.enabled) await startSubscription(target, sourceForTarget(host.config), host.config.slotName, r.publications);
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

/** Stop: the subscription paused (the slot keeps what arrives meanwhile), then the primary-key guard removed. */
export async function pauseCdc(host: PhaseHost): Promise<void> {
  await withSession(host.config.target, async (t) => {
    await pauseSubscription(t, host.config.slotName, host.clock);
    // Only once the apply worker has let go: the guard's work is done until CDC resumes.
    await removePkGuard(t);
  });
}

/** Delete: the subscription (not the slot: DMS leaves it), the guard and the publications dropped. */
export async function dropTaskObjects(host: PhaseHost): Promise<void> {
  await withSession(host.config.target, async (t) => {
    await dropSubscriptionKeepSlot(t, host.config.slotName, host.clock);
    await removePkGuard(t);
  });
  const names = cdcObjectNames(host.config.slotName);
  await withSession(host.config.source, (s) => dropPublications(s, [...new Set([...host.record.publications, names.allChanges, names.insertsOnly])]));
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
