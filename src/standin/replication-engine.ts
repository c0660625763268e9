/**
 * The replication engine behind the local stand-in for DMS: one full-load-and-cdc task between
 * a real source and a real target PostgreSQL database, with DMS's statuses, stop reasons and
 * statistics.
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
 *
 * What lives where (the wizard process may be SIGKILLed at any moment and started again)
 * - In the databases: the slot and publications (source), the subscription and its replication
 *   origin (target). The origin records the last applied commit, the slot the confirmed
 *   position: together they are PostgreSQL's own exactly-once guarantee, so CDC needs no
 *   bookkeeping of ours. The subscription keeps applying while the wizard is down, as DMS runs
 *   on while a laptop sleeps.
 * - In the task store (a JSON file written atomically, or memory): status, stop reason,
 *   failure message, dates, the phase, per-table full-load figures, the publications created,
 *   and the target's row counters when CDC started (CDC statistics are their growth).
 * - In memory only: the running full load (its sessions and the exported snapshot, which die
 *   with the process), the WAL-position history behind the latency figures.
 * - After a restart, `ReplicationEngine.open` reconciles: a full load that was running is redone
 *   from a fresh slot and snapshot (TRUNCATE_BEFORE_LOAD makes that clean), as DMS restarts a
 *   full load; CDC continues from the slot (the subscription is created or enabled if the
 *   process died while starting it); a task that was stopping ends stopped.
 *
 * Transitions happen in the background, as DMS's do: start/stop return at once and
 * `describe()` reads the current status. Jobs run one after another in a chain.
 */
import type { ReplicationTaskStats, TableStatistics } from "@aws-sdk/client-database-migration-service";
import type { PgClient } from "../adapters/postgres/connect.js";
import { describeLocation } from "../adapters/postgres/url.js";
import { type Clock, systemClock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { type CdcLatency, CdcMonitor } from "./cdc-monitor.js";
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
import { DmsFault } from "./dms-fault.js";
import { type PgEndpoint, closeQuietly, connectEndpoint, withSession } from "./endpoint.js";
import { failureMessage, noTablesMessage } from "./failure-message.js";
import { runFullLoad } from "./full-load.js";
import { installPkGuard, removePkGuard } from "./pk-guard.js";
import { type ExportedSnapshot, createSlotWithSnapshot, dropSlotIfExists, slotInfo } from "./snapshot-slot.js";
import { type SourceTable, createMissingTargetTables, resolveSourceTables } from "./source-tables.js";
import { type SelectionRule, parseTableMappings } from "./table-mappings.js";
import { type TableRecord, type TaskRecord, type TaskStatus, type TaskStore, StopReason } from "./task-record.js";
import type { StandinTaskSettings } from "./task-settings.js";
import { replicationTaskStats, tableStatistics } from "./task-stats.js";
import { type StartReplicationTaskType, planRecovery, planStart } from "./task-transitions.js";

export type { CdcLatency } from "./cdc-monitor.js";
export type { StartReplicationTaskType } from "./task-transitions.js";

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

export interface ReplicationEngineOptions {
  store: TaskStore;
  clock?: Clock;
  /** How long a new task stays `creating` before `ready`. Default 200 ms. */
  creatingMs?: number;
  /** How often the source's WAL position is sampled during CDC, for latency. Default 1000 ms. */
  sampleIntervalMs?: number;
  /** A pause before each table of the full load, to watch or interrupt it (see full-load.ts). Default 0. */
  tableDelayMs?: number;
}

/** DescribeReplicationTasks' view of the task. */
export interface TaskDescription {
  Status: TaskStatus;
  StopReason?: string;
  LastFailureMessage?: string;
  ReplicationTaskCreationDate: Date;
  ReplicationTaskStartDate?: Date;
  ReplicationTaskStats: ReplicationTaskStats;
}

type JobEnd = { kind: "stop" } | { kind: "close" };

export class ReplicationEngine {
  private readonly rules: SelectionRule[];
  private readonly clock: Clock;
  private readonly monitor: CdcMonitor;
  private chain: Promise<void> = Promise.resolve();
  private jobAbort: AbortController | undefined;
  private saving: Promise<void> = Promise.resolve();
  private deleted = false;
  private closed = false;

  private constructor(
    readonly config: ReplicationEngineConfig,
    private readonly options: ReplicationEngineOptions,
    private record: TaskRecord,
  ) {
    this.rules = parseTableMappings(config.tableMappings);
    this.clock = options.clock ?? systemClock;
    this.monitor = new CdcMonitor(config.source, config.slotName, this.clock, options.sampleIntervalMs ?? 1000);
  }

  /** CreateReplicationTask: a new task, `creating` and shortly `ready`. Bad mappings throw at once. */
  static async create(config: ReplicationEngineConfig, options: ReplicationEngineOptions): Promise<ReplicationEngine> {
    const now = (options.clock ?? systemClock).now().toISOString();
    const engine = new ReplicationEngine(config, options, {
      version: 1,
      taskId: config.taskId,
      status: "creating",
      phase: "new",
      everStarted: false,
      createdAt: now,
      publications: [],
      tables: [],
    });
    await engine.persist();
    engine.enqueue(async () => {
      await engine.clock.sleep(options.creatingMs ?? 200);
      if (engine.record.status === "creating") engine.setStatus("ready");
    });
    return engine;
  }

  /**
   * The task recorded in `options.store`, as a new process finds it after the previous one
   * ended or was killed (see the top of this file); undefined when there is none.
   */
  static async open(config: ReplicationEngineConfig, options: ReplicationEngineOptions): Promise<ReplicationEngine | undefined> {
    const record = await options.store.load();
    if (!record) return undefined;
    const engine = new ReplicationEngine(config, options, record);
    engine.recover();
    return engine;
  }

  get status(): TaskStatus {
    return this.record.status;
  }

  describe(): TaskDescription {
    if (this.deleted) throw new DmsFault("ResourceNotFoundFault", `Replication task ${this.config.taskId} not found.`);
    const r = this.record;
    return {
      Status: r.status,
      ...(r.stopReason === undefined ? {} : { StopReason: r.stopReason }),
      ...(r.lastFailureMessage === undefined ? {} : { LastFailureMessage: r.lastFailureMessage }),
      ReplicationTaskCreationDate: new Date(r.createdAt),
      ...(r.startDate === undefined ? {} : { ReplicationTaskStartDate: new Date(r.startDate) }),
      ReplicationTaskStats: replicationTaskStats(r, this.clock.now()),
    };
  }

  /** DescribeTableStatistics. CDC counts are read from the target's row counters. */
  async tableStatistics(): Promise<TableStatistics[]> {
    const snapshot = structuredClone(this.record);
    if (!snapshot.cdcBaseline) return tableStatistics(snapshot, undefined);
    return withSession(this.config.target, async (target) => tableStatistics(snapshot, await targetRowCounters(target)));
  }

  /** StartReplicationTask. Returns once the task is `starting`; the rest happens in the background. */
  start(type: StartReplicationTaskType): void {
    if (this.deleted) throw new DmsFault("ResourceNotFoundFault", `Replication task ${this.config.taskId} not found.`);
    const plan = planStart(this.record, type, this.config.taskId);
    this.beginRun(plan === "full-load");
    if (plan === "full-load") this.enqueue((signal) => this.fullLoad(signal));
    else this.enqueue((signal) => this.startCdc(signal));
  }

  /** StopReplicationTask: `stopping`, then `stopped` with "Stop Reason NORMAL". */
  stop(): void {
    const status = this.record.status;
    if (status !== "running" && status !== "starting") {
      throw new DmsFault("InvalidResourceStateFault", `Replication task ${this.config.taskId} is ${status}; only a running task can be stopped.`);
    }
    this.setStatus("stopping");
    this.jobAbort?.abort({ kind: "stop" } satisfies JobEnd);
    this.enqueue(() => this.finishStop());
  }

  /**
   * DeleteReplicationTask: drops the subscription (not the slot) and the publications, and
   * forgets the task. Resolves once done; `describe()` then throws ResourceNotFoundFault.
   */
  async delete(): Promise<void> {
    const status = this.record.status;
    if (status === "running" || status === "starting" || status === "stopping") {
      throw new DmsFault("InvalidResourceStateFault", `Replication task ${this.config.taskId} is ${status}; stop it before deleting it.`);
    }
    this.setStatus("deleting");
    this.enqueue(() => this.dropArtefacts());
    await this.whenSettled();
    if (!this.deleted) throw new Error(this.record.lastFailureMessage ?? `Replication task ${this.config.taskId} could not be deleted.`);
  }

  /**
   * CDC latency from the real lag (see cdc-latency.ts), while CDC runs; undefined otherwise,
   * as DMS publishes no datapoint for a task that is not replicating.
   */
  async cdcLatency(): Promise<CdcLatency | undefined> {
    if (this.record.status !== "running" || this.record.phase !== "cdc") return undefined;
    return this.monitor.latency();
  }

  /** Resolves when no background job is pending (tests, orderly shutdown). */
  async whenSettled(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain;
      await this.saving;
      if (chain === this.chain) return;
    }
  }

  /**
   * Lets go of this process's part (sessions, the running full load, the sampler) without
   * changing the task, as when the process ends: what is recorded stays for `open`.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.jobAbort?.abort({ kind: "close" } satisfies JobEnd);
    await this.chain;
    await this.saving.catch(() => undefined);
    await this.monitor.close();
  }

  // ---- transitions -------------------------------------------------------------------------

  private recover(): void {
    switch (planRecovery(this.record)) {
      case "mark-ready":
        this.setStatus("ready");
        break;
      case "continue-cdc":
        // The subscription kept applying while no process watched: make sure it exists and is
        // enabled (idempotent), then watch the lag again.
        this.enqueue((signal) => this.startCdc(signal));
        break;
      case "redo-full-load":
        this.beginRun(true);
        this.enqueue((signal) => this.fullLoad(signal));
        break;
      case "finish-stop":
        this.enqueue(() => this.finishStop());
        break;
      case "finish-delete":
        this.enqueue(() => this.dropArtefacts());
        break;
      case "none":
        break;
    }
  }

  private beginRun(fresh: boolean): void {
    const now = this.clock.now().toISOString();
    const r = this.record;
    r.everStarted = true;
    r.startDate = now;
    if (fresh) r.freshStartDate = now;
    delete r.stopReason;
    delete r.lastFailureMessage;
    delete r.stopDate;
    this.setStatus("starting");
  }

  private async fullLoad(signal: AbortSignal): Promise<void> {
    const r = this.record;
    const previous = new Map(r.tables.map((t) => [`${t.schema}.${t.table}`, t]));
    r.phase = "full-load";
    r.tables = [];
    delete r.fullLoadStartDate;
    delete r.fullLoadFinishDate;
    delete r.cdcBaseline;
    this.save();
    const sessions: PgClient[] = [];
    let snapshot: ExportedSnapshot | undefined;
    const endSessions = (): void => {
      for (const s of sessions) void closeQuietly(s);
      void snapshot?.release();
    };
    signal.addEventListener("abort", endSessions, { once: true });
    try {
      const source = await connectEndpoint(this.config.source);
      sessions.push(source);
      const target = await connectEndpoint(this.config.target);
      sessions.push(target);
      signal.throwIfAborted();
      const tables = await resolveSourceTables(source, this.rules);
      if (tables.length === 0) throw new NoTablesError();
      // A reload after CDC: the old subscription is bound to the slot about to be replaced.
      await dropSubscriptionKeepSlot(target, this.config.slotName, this.clock);
      await removePkGuard(target);
      r.publications = await createPublications(source, this.config.slotName, tables);
      this.save();
      await dropSlotIfExists(source, this.config.slotName, this.clock);
      signal.throwIfAborted();
      snapshot = await createSlotWithSnapshot(this.config.source, this.config.slotName);
      if (signal.aborted) await snapshot.release();
      signal.throwIfAborted();
      await createMissingTargetTables(source, target, tables);
      r.tables = tables.map((t) => newTableRecord(t, previous.has(`${t.schema}.${t.table}`)));
      r.fullLoadStartDate = this.clock.now().toISOString();
      this.setStatus("running");
      await runFullLoad({
        source: this.config.source,
        target: this.config.target,
        snapshotName: snapshot.snapshotName,
        tables,
        subTasks: this.config.settings.maxFullLoadSubTasks,
        truncateFirst: this.config.settings.targetTablePrepMode === "TRUNCATE_BEFORE_LOAD",
        signal,
        ...(this.options.tableDelayMs ? { tableDelayMs: this.options.tableDelayMs } : {}),
        events: {
          tableStarted: (t) => this.updateTable(t, { state: "Full load", fullLoadStartTime: this.clock.now().toISOString() }, true),
          tableRows: (t, rows) => this.updateTable(t, { fullLoadRows: rows }, false),
          tableCompleted: (t, rows) => this.updateTable(t, { state: "Table completed", fullLoadRows: rows, fullLoadEndTime: this.clock.now().toISOString() }, true),
          tableFailed: (t) => this.updateTable(t, { state: "Table error" }, true),
        },
      });
      await snapshot.release();
      r.fullLoadFinishDate = this.clock.now().toISOString();
      r.phase = "loaded";
      this.save();
      if (this.config.settings.stopTaskCachedChangesNotApplied) {
        this.setStatus("stopping");
        this.finish("stopped", StopReason.afterFullLoad);
        return;
      }
      await this.startCdc(signal);
    } catch (err) {
      // Aborted by stop() (whose own job finishes the task) or by close() (the record stays
      // as it was, for open() to redo the load): nothing failed.
      if (signal.aborted) return;
      this.fail(err instanceof NoTablesError ? noTablesMessage() : failureMessage(err, this.config.settings.targetTablePrepMode));
    } finally {
      signal.removeEventListener("abort", endSessions);
      endSessions();
    }
  }

  private async startCdc(signal: AbortSignal): Promise<void> {
    const r = this.record;
    try {
      await this.withBoth(async (source, target) => {
        if (!(await slotInfo(source, this.config.slotName))) {
          throw new Error(`the replication slot "${this.config.slotName}" no longer exists on the source ${describeLocation(this.config.source.location)}; reload the target to start over.`);
        }
        if (!r.cdcBaseline) {
          const counters = await targetRowCounters(target);
          r.cdcBaseline = Object.fromEntries(r.tables.map((t) => [`${t.schema}.${t.table}`, counters.get(`${t.schema}.${t.table}`) ?? { inserts: 0, updates: 0, deletes: 0 }]));
          this.save();
        }
        signal.throwIfAborted();
        // Before the apply worker starts: DMS never applies a primary-key change (pk-guard.ts).
        const mapped = new Set(r.tables.map((t) => `${t.schema}\u0000${t.table}`));
        const captured = (await resolveSourceTables(source, this.rules)).filter((t) => mapped.has(`${t.schema}\u0000${t.table}`) && t.logged && t.capturesUpdates);
        await installPkGuard(target, captured);
        const state = await subscriptionState(target, cdcObjectNames(this.config.slotName).subscription);
        if (!state?.enabled) await startSubscription(target, this.sourceForTarget(), this.config.slotName, r.publications);
      });
      r.phase = "cdc";
      this.save();
      if (signal.aborted) return; // a stop() arrived meanwhile: its job pauses the subscription
      this.setStatus("running");
      this.monitor.start();
    } catch (err) {
      if (signal.aborted) return;
      this.fail(failureMessage(err, this.config.settings.targetTablePrepMode));
    }
  }

  private async finishStop(): Promise<void> {
    this.monitor.stop();
    const phase = this.record.phase;
    if (phase === "cdc" || phase === "loaded") {
      await withSession(this.config.target, async (t) => {
        await pauseSubscription(t, this.config.slotName, this.clock);
        // Only once the apply worker has let go: the guard's work is done until CDC resumes.
        await removePkGuard(t);
      });
    }
    this.finish("stopped", StopReason.normal);
  }

  private async dropArtefacts(): Promise<void> {
    this.monitor.stop();
    try {
      await withSession(this.config.target, async (t) => {
        await dropSubscriptionKeepSlot(t, this.config.slotName, this.clock);
        await removePkGuard(t);
      });
      const names = cdcObjectNames(this.config.slotName);
      await withSession(this.config.source, (s) => dropPublications(s, [...new Set([...this.record.publications, names.allChanges, names.insertsOnly])]));
      await this.saving;
      await this.options.store.remove();
      this.deleted = true;
    } catch (err) {
      this.fail(`Last Error The task could not be deleted: ${errorMessage(err)}`);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private sourceForTarget(): PgEndpoint {
    const over = this.config.sourceAsSeenFromTarget;
    if (!over) return this.config.source;
    return { ...this.config.source, location: { ...this.config.source.location, host: over.host, port: over.port } };
  }

  private enqueue(job: (signal: AbortSignal) => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      const abort = new AbortController();
      this.jobAbort = abort;
      try {
        await job(abort.signal);
      } catch (err) {
        if (!abort.signal.aborted) this.fail(`Last Error ${errorMessage(err)}`);
      } finally {
        if (this.jobAbort === abort) this.jobAbort = undefined;
      }
    });
  }

  private setStatus(status: TaskStatus): void {
    this.record.status = status;
    this.save();
  }

  private finish(status: "stopped", stopReason: string): void {
    this.record.stopReason = stopReason;
    this.record.stopDate = this.clock.now().toISOString();
    this.setStatus(status);
  }

  private fail(message: string): void {
    this.monitor.stop();
    this.record.lastFailureMessage = message;
    this.record.stopReason = StopReason.fatal;
    this.record.stopDate = this.clock.now().toISOString();
    this.setStatus("failed");
  }

  private updateTable(t: SourceTable, patch: Partial<TableRecord>, persist: boolean): void {
    const rec = this.record.tables.find((x) => x.schema === t.schema && x.table === t.table);
    if (!rec) return;
    Object.assign(rec, patch, { lastUpdateTime: this.clock.now().toISOString() });
    if (persist) this.save();
  }

  /** Queues a write of the record; writes happen in order, each of the record as it is when its turn comes. */
  private save(): void {
    if (this.closed) return;
    this.saving = this.saving.then(() => this.options.store.save(this.record)).catch(() => undefined);
  }

  private async persist(): Promise<void> {
    this.save();
    await this.saving;
  }

  private withBoth<T>(fn: (source: PgClient, target: PgClient) => Promise<T>): Promise<T> {
    return withSession(this.config.source, (s) => withSession(this.config.target, (t) => fn(s, t)));
  }
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
