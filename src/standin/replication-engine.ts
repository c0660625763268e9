/**
 * The replication engine behind the local stand-in for DMS: one full-load-and-cdc task, or one
 * cdc task reading an existing slot (task-phases.ts), between a real source and a real target
 * PostgreSQL database, with DMS's statuses, stop reasons and
 * statistics. This file is the task's lifecycle; how it moves rows, and where it loses data as
 * DMS does, is task-phases.ts.
 *
 * What lives where (the wizard process may be SIGKILLed at any moment and started again)
 * - In the databases: the slot and publications (source; a cdc task's subscription reads an
 *   internal copy of the named slot, task-phases.ts), the subscription and its replication
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
 *
 * Over 300 lines on purpose: the task's state machine is one class (every status change, job
 * and record write in one place); what the phases do to the databases is already split out.
 */
import type { ReplicationTaskStats, TableStatistics } from "@aws-sdk/client-database-migration-service";
import { type Clock, systemClock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { type CdcLatency, CdcMonitor } from "./cdc-monitor.js";
import { targetRowCounters } from "./cdc-subscription.js";
import { DmsFault } from "./dms-fault.js";
import { withSession } from "./endpoint.js";
import type { SourceTable } from "./source-tables.js";
import { type TableMappings, readTableMappings } from "./table-mappings.js";
import { type TableRecord, type TaskRecord, type TaskStatus, type TaskStore, StopReason } from "./task-record.js";
import { type PhaseHost, type ReplicationEngineConfig, dropTaskObjects, fullLoad, pauseCdc, prepareCdcOnly, startCdc, startCdcFromSlot, subscriptionSlot } from "./task-phases.js";
import { replicationTaskStats, tableStatistics } from "./task-stats.js";
import { type StartReplicationTaskType, planRecovery, planStart } from "./task-transitions.js";

export type { CdcLatency } from "./cdc-monitor.js";
export type { StartReplicationTaskType } from "./task-transitions.js";
export type { ReplicationEngineConfig } from "./task-phases.js";

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
  private readonly mappings: TableMappings;
  private readonly clock: Clock;
  private readonly monitor: CdcMonitor;
  /** The view of this task the phases (task-phases.ts) work through. */
  private readonly host: PhaseHost;
  private chain: Promise<void> = Promise.resolve();
  private jobAbort: AbortController | undefined;
  private saving: Promise<void> = Promise.resolve();
  private deleted = false;
  private closed = false;

  private constructor(
    readonly config: ReplicationEngineConfig,
    private readonly options: ReplicationEngineOptions,
    private readonly record: TaskRecord,
  ) {
    this.mappings = readTableMappings(config.tableMappings);
    this.clock = options.clock ?? systemClock;
    const named = config.migrationType === "cdc" ? config.slotName : undefined;
    this.monitor = new CdcMonitor(config.source, subscriptionSlot(config), this.clock, options.sampleIntervalMs ?? 1000, named);
    this.host = {
      config,
      record,
      rules: this.mappings.selection,
      parallelLoads: this.mappings.parallelLoads,
      clock: this.clock,
      tableDelayMs: options.tableDelayMs,
      save: () => this.save(),
      setStatus: (status) => this.setStatus(status),
      finish: (status, stopReason) => this.finish(status, stopReason),
      fail: (message) => this.fail(message),
      updateTable: (t, patch, persist) => this.updateTable(t, patch, persist),
      startMonitor: () => this.monitor.start(),
    };
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
      ...(config.migrationType === "cdc" ? { migrationType: "cdc" as const } : {}),
      ...(config.cdcStartPosition === undefined ? {} : { cdcStartPosition: config.cdcStartPosition }),
    });
    await engine.persist();
    engine.enqueue(async () => {
      await engine.clock.sleep(options.creatingMs ?? 200);
      await engine.becomeReady();
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

  /**
   * StartReplicationTask. Returns once the task is `starting`; the rest happens in the
   * background. `cdcStartPosition` (a CDC-only task's) replaces the one given at creation.
   */
  start(type: StartReplicationTaskType, options: { cdcStartPosition?: string } = {}): void {
    if (this.deleted) throw new DmsFault("ResourceNotFoundFault", `Replication task ${this.config.taskId} not found.`);
    const plan = planStart(this.record, type, this.config.taskId);
    if (options.cdcStartPosition !== undefined) this.record.cdcStartPosition = options.cdcStartPosition;
    this.beginRun(plan !== "cdc");
    if (plan === "full-load") this.enqueue((signal) => fullLoad(this.host, signal));
    else if (plan === "cdc-from-slot") this.enqueue((signal) => startCdcFromSlot(this.host, signal));
    else this.enqueue((signal) => startCdc(this.host, signal));
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
   * DeleteReplicationTask: drops the subscription (not the slot; a cdc task's internal copy of
   * it, yes) and the publications, and forgets the task. Resolves once done; `describe()` then throws ResourceNotFoundFault.
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
      case "prepare-cdc-only":
        this.enqueue(() => this.becomeReady());
        break;
      case "redo-cdc-from-slot":
        // The first start died before CDC began: nothing was applied, the slot is where it was.
        this.enqueue((signal) => startCdcFromSlot(this.host, signal));
        break;
      case "continue-cdc":
        // The subscription kept applying while no process watched: make sure it exists and is
        // enabled (idempotent), then watch the lag again.
        this.enqueue((signal) => startCdc(this.host, signal));
        break;
      case "redo-full-load":
        this.beginRun(true);
        this.enqueue((signal) => fullLoad(this.host, signal));
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

  /** `creating` → `ready`; a CDC-only task's publications are made first (task-phases.ts prepareCdcOnly). */
  private async becomeReady(): Promise<void> {
    if (this.record.status !== "creating") return;
    if (this.record.migrationType === "cdc") {
      try {
        await prepareCdcOnly(this.host);
      } catch (err) {
        this.fail(`Last Error The task could not be created: ${errorMessage(err)}`);
        return;
      }
    }
    if (this.record.status === "creating") this.setStatus("ready");
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

  private async finishStop(): Promise<void> {
    this.monitor.stop();
    const phase = this.record.phase;
    if (phase === "cdc" || phase === "loaded") await pauseCdc(this.host);
    this.finish("stopped", StopReason.normal);
  }

  private async dropArtefacts(): Promise<void> {
    this.monitor.stop();
    try {
      await dropTaskObjects(this.host);
      await this.saving;
      await this.options.store.remove();
      this.deleted = true;
    } catch (err) {
      this.fail(`Last Error The task could not be deleted: ${errorMessage(err)}`);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

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

}
