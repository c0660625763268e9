/**
 * The full load: every mapped table copied from one exported snapshot, several tables at a
 * time (MaxFullLoadSubTasks), largest first within a load order; selected partitioned parents
 * after the rest (see loadPhases). A table with a `parallel-load` `ranges` rule is loaded in
 * segments (segments.ts), each a unit of work of its own as a table is (so counted against
 * MaxFullLoadSubTasks), all from the same snapshot: TRUNCATE_BEFORE_LOAD once before any of
 * them, the table completed when all are, its rows summed. Each sub-task has a source
 * session that imported the snapshot and a target session set up as the DMS target endpoint's
 * AfterConnectScript would (`session_replication_role = replica`: no user triggers, no FK checks).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { PgClient } from "../adapters/postgres/connect.js";
import { type PgEndpoint, closeQuietly, connectEndpoint } from "./endpoint.js";
import { qualified, quoteLiteral } from "../plan/sql-text.js";
import { segmentConditions } from "./segments.js";
import type { SourceTable } from "./source-tables.js";
import { TableLoadError, copyTable, truncateTable } from "./table-copy.js";
import type { RangeSegmentation } from "./table-mappings.js";

export interface FullLoadEvents {
  tableStarted(table: SourceTable): void;
  tableRows(table: SourceTable, rows: number): void;
  tableCompleted(table: SourceTable, rows: number): void;
  tableFailed(table: SourceTable, error: TableLoadError): void;
}

export interface FullLoadOptions {
  source: PgEndpoint;
  target: PgEndpoint;
  snapshotName: string;
  tables: readonly SourceTable[];
  subTasks: number;
  truncateFirst: boolean;
  events: FullLoadEvents;
  /** The task's `parallel-load` `ranges` rules; a rule for a table not loaded (or a partitioned parent) is ignored. */
  parallelLoads?: readonly RangeSegmentation[];
  /** Aborting ends every session at once; the load then rejects with the signal's reason. */
  signal: AbortSignal;
  /**
   * A pause before each table's copy, in ms (default 0). Only for watching or interrupting a
   * full load of a small database (the demo's --full-load-delay, the crash tests).
   */
  tableDelayMs?: number;
}

/** Load order: higher `load-order` first, then the biggest tables first (shortest overall time). */
export function loadQueue(tables: readonly SourceTable[]): SourceTable[] {
  return [...tables].sort((a, b) => b.loadOrder - a.loadOrder || b.bytes - a.bytes || a.schema.localeCompare(b.schema) || a.table.localeCompare(b.table));
}

interface SubTask {
  source: PgClient;
  target: PgClient;
}

/** One table's load, shared by its segments. */
interface TableLoad {
  table: SourceTable;
  segments: number;
  /** Rows loaded so far by each segment. */
  rows: number[];
  done: number;
  started: boolean;
  failed: boolean;
  /** TRUNCATE_BEFORE_LOAD of a table loaded in segments, run by the first of them. */
  truncated?: Promise<void>;
}

/** A unit of work for a sub-task: a whole table, or one segment of one. */
interface LoadUnit {
  load: TableLoad;
  /** The segment's index and condition; absent for a whole table. */
  segment?: { index: number; where: string };
}

/** The queue of units: each table's segments together, in the tables' order. */
export function loadUnits(tables: readonly SourceTable[], parallelLoads: readonly RangeSegmentation[] = []): LoadUnit[] {
  const units: LoadUnit[] = [];
  for (const table of tables) {
    const ranges = table.partitioned ? undefined : parallelLoads.find((p) => p.schema === table.schema && p.table === table.table);
    const conditions = ranges ? segmentConditions(ranges.columns, ranges.boundaries) : undefined;
    const segments = conditions?.length ?? 1;
    const load: TableLoad = { table, segments, rows: new Array<number>(segments).fill(0), done: 0, started: false, failed: false };
    if (!conditions) units.push({ load });
    else conditions.forEach((where, index) => units.push({ load, segment: { index, where } }));
  }
  return units;
}

async function openSubTask(options: FullLoadOptions): Promise<SubTask> {
  const source = await connectEndpoint(options.source);
  let target: PgClient | undefined;
  try {
    await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await source.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(options.snapshotName)}`);
    target = await connectEndpoint(options.target);
    await target.query("SET session_replication_role = replica");
    return { source, target };
  } catch (err) {
    await closeQuietly(source);
    await closeQuietly(target);
    throw err;
  }
}

/**
 * The two phases of a load: every ordinary table first (MaxFullLoadSubTasks at a time, largest
 * first within a load order), then the selected partitioned parents, one at a time, outermost
 * first. DMS commits a table's preparation and its rows separately and in no fixed order with
 * its partitions, so a selected parent's rows end up on the target once through the parent and
 * once through each selected partition (docs/dms-notes.md §11). The stand-in fixes the
 * order that shows it every time: with TRUNCATE_BEFORE_LOAD the parents are prepared before
 * anything is loaded (a partition's TRUNCATE later would otherwise undo the duplication, and a
 * parent's would wipe its partitions' rows), the partitions are loaded, then the parent's rows
 * are added through it: duplicated rows, or a duplicate-key error on the parent where the
 * target has a primary key.
 */
export function loadPhases(tables: readonly SourceTable[]): { tables: SourceTable[]; parents: SourceTable[] } {
  const parents = tables
    .filter((t) => t.partitioned)
    .sort((a, b) => Number(a.isPartition) - Number(b.isPartition) || b.loadOrder - a.loadOrder || a.schema.localeCompare(b.schema) || a.table.localeCompare(b.table));
  return { tables: loadQueue(tables.filter((t) => !t.partitioned)), parents };
}

export async function runFullLoad(options: FullLoadOptions): Promise<void> {
  const phases = loadPhases(options.tables);
  const sessions = new Set<PgClient>();
  // The first failure stops every sub-task: ending their sessions aborts their transactions.
  const stopAll = (): void => {
    for (const s of sessions) void closeQuietly(s);
  };
  const internal = new AbortController();
  const onAbort = (): void => internal.abort(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  internal.signal.addEventListener("abort", stopAll, { once: true });

  const worker = async (queue: LoadUnit[], truncateFirst: boolean): Promise<void> => {
    const sub = await openSubTask(options);
    sessions.add(sub.source);
    sessions.add(sub.target);
    try {
      for (let unit = queue.shift(); unit && !internal.signal.aborted; unit = queue.shift()) {
        const { load, segment } = unit;
        const current = load.table;
        if (!load.started) {
          load.started = true;
          options.events.tableStarted(current);
        }
        try {
          if (options.tableDelayMs) await delay(options.tableDelayMs, undefined, { signal: internal.signal });
          // A table in segments is truncated once, by the first segment's sub-task, before any loads.
          if (segment && truncateFirst) await (load.truncated ??= truncateTable(sub.target, current));
          const index = segment?.index ?? 0;
          const rows = await copyTable({
            source: sub.source,
            target: sub.target,
            table: current,
            truncateFirst: truncateFirst && !segment,
            ...(segment ? { where: segment.where } : {}),
            onRows: (n) => {
              load.rows[index] = n;
              options.events.tableRows(current, sum(load.rows));
            },
          });
          load.rows[index] = rows;
          if (++load.done === load.segments) options.events.tableCompleted(current, sum(load.rows));
        } catch (err) {
          if (internal.signal.aborted) throw internal.signal.reason;
          const failure = err instanceof TableLoadError ? err : new TableLoadError(current, "load", err);
          if (!load.failed) {
            load.failed = true;
            options.events.tableFailed(current, failure);
          }
          throw failure;
        }
      }
    } finally {
      await closeQuietly(sub.source);
      await closeQuietly(sub.target);
    }
  };

  const runPhase = async (queue: LoadUnit[], subTasks: number, truncateFirst: boolean): Promise<void> => {
    if (queue.length === 0) return;
    const count = Math.max(1, Math.min(subTasks, queue.length));
    const results = await Promise.allSettled(
      Array.from({ length: count }, () =>
        worker(queue, truncateFirst).catch((err: unknown) => {
          if (!internal.signal.aborted) internal.abort(err);
          throw err;
        }),
      ),
    );
    if (internal.signal.aborted) throw internal.signal.reason;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };

  try {
    if (options.truncateFirst && phases.parents.length > 0) await prepareParents(options, phases.parents, sessions, internal.signal);
    await runPhase(loadUnits(phases.tables, options.parallelLoads), options.subTasks, options.truncateFirst);
    await runPhase(loadUnits(phases.parents), 1, false);
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    stopAll();
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** TRUNCATE_BEFORE_LOAD of the selected partitioned parents, before any table is loaded (see loadPhases). */
async function prepareParents(options: FullLoadOptions, parents: readonly SourceTable[], sessions: Set<PgClient>, signal: AbortSignal): Promise<void> {
  const target = await connectEndpoint(options.target);
  sessions.add(target);
  try {
    await target.query("SET session_replication_role = replica");
    for (const parent of parents) {
      if (signal.aborted) throw signal.reason;
      try {
        await target.query(`TRUNCATE TABLE ${qualified(parent.schema, parent.table)}`);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const failure = new TableLoadError(parent, "truncate", err);
        options.events.tableFailed(parent, failure);
        throw failure;
      }
    }
  } finally {
    sessions.delete(target);
    await closeQuietly(target);
  }
}
