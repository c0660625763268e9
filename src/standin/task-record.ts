/**
 * What the stand-in remembers about one task between processes: DMS keeps this on its
 * replication instance; the stand-in keeps it in a store the caller chooses (a JSON file beside
 * the demo's state, or memory in tests). The databases hold the rest (slot, publications,
 * subscription); see replication-engine.ts for which is which.
 */
import { readFile, unlink } from "node:fs/promises";
import { writeTextAtomic } from "../state/store.js";

/** DMS `ReplicationTask.Status` values the stand-in goes through. */
export type TaskStatus = "creating" | "ready" | "starting" | "running" | "stopping" | "stopped" | "failed" | "deleting";

/** DMS `TableStatistics.TableState` values the stand-in uses. */
export type TableState = "Before load" | "Full load" | "Table completed" | "Table error";

/** Exact DMS stop reasons (docs/dms-notes.md §14). */
export const StopReason = {
  afterFullLoad: "Stop Reason STOPPED_AFTER_FULL_LOAD",
  normal: "Stop Reason NORMAL",
  fatal: "Stop Reason FATAL_ERROR",
} as const;

/**
 * Where the data movement stands: `full-load` while tables are being copied (a process that
 * dies here leaves nothing reusable: the load is redone from a fresh slot), `loaded` once every
 * table is copied and the slot holds the cached changes, `cdc` once the subscription exists.
 */
export type TaskPhase = "new" | "full-load" | "loaded" | "cdc";

export interface TableRecord {
  schema: string;
  table: string;
  state: TableState;
  fullLoadRows: number;
  /** Rows the source's statistics expect (pg_class.reltuples), for the progress percentage; -1 = unknown. */
  estimatedRows: number;
  /** Weight of the table in the overall progress (its size in bytes, at least one page). */
  weight: number;
  fullLoadStartTime?: string;
  fullLoadEndTime?: string;
  lastUpdateTime?: string;
  reloaded: boolean;
}

/** The target's cumulative row counters for a table when CDC started; CDC statistics are the growth since. */
export interface CounterBaseline {
  inserts: number;
  updates: number;
  deletes: number;
}

export interface TaskRecord {
  version: 1;
  taskId: string;
  status: TaskStatus;
  phase: TaskPhase;
  stopReason?: string;
  lastFailureMessage?: string;
  /** True once start-replication has run: later starts must be resume-processing or reload-target. */
  everStarted: boolean;
  createdAt: string;
  freshStartDate?: string;
  startDate?: string;
  stopDate?: string;
  fullLoadStartDate?: string;
  fullLoadFinishDate?: string;
  /** Publications the task created on the source (the stand-in's DMS artefacts there). */
  publications: string[];
  tables: TableRecord[];
  /** Keyed by `schema.table`. */
  cdcBaseline?: Record<string, CounterBaseline>;
  /**
   * `cdc` for a CDC-only task (no full load; it reads the slot the source endpoint's SlotName
   * names, which the task never creates nor drops). Absent: full-load-and-cdc.
   */
  migrationType?: "cdc";
  /** A CDC-only task: the CdcStartPosition its first start reads from (the slot's name, or an LSN). */
  cdcStartPosition?: string;
  /**
   * A CDC-only task: the source's WAL position once its publications existed. pgoutput (the
   * internal slot's plugin) reads a change only through publications that existed at the
   * change's position, so CDC must start after this point (see task-phases.ts prepareCdcOnly).
   */
  publicationsLsn?: string;
}

export interface TaskStore {
  load(): Promise<TaskRecord | undefined>;
  save(record: TaskRecord): Promise<void>;
  remove(): Promise<void>;
}

/** Keeps the record in memory: what survives is the object, as when a test makes a new engine. */
export class MemoryTaskStore implements TaskStore {
  private record: TaskRecord | undefined;

  load(): Promise<TaskRecord | undefined> {
    return Promise.resolve(this.record ? structuredClone(this.record) : undefined);
  }
  save(record: TaskRecord): Promise<void> {
    this.record = structuredClone(record);
    return Promise.resolve();
  }
  remove(): Promise<void> {
    this.record = undefined;
    return Promise.resolve();
  }
}

/** One JSON file per task, written atomically, so a SIGKILL leaves the last whole record. */
export class FileTaskStore implements TaskStore {
  constructor(readonly path: string) {}

  async load(): Promise<TaskRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const record = JSON.parse(text) as TaskRecord;
    if (record.version !== 1) throw new Error(`${this.path} holds a stand-in task record of version ${String(record.version)}; this version reads 1.`);
    return record;
  }
  async save(record: TaskRecord): Promise<void> {
    await writeTextAtomic(this.path, JSON.stringify(record, null, 2) + "\n");
  }
  async remove(): Promise<void> {
    await unlink(this.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
}
