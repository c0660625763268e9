/**
 * The full load: every mapped table copied from one exported snapshot, several tables at a
 * time (MaxFullLoadSubTasks), largest first within a load order; selected partitioned parents
 * after the rest (see loadPhases). Each sub-task has a source
 * session that imported the snapshot and a target session set up as the DMS target endpoint's
 * AfterConnectScript would (`session_replication_role = replica`: no user triggers, no FK checks).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { PgClient } from "../adapters/postgres/connect.js";
import { type PgEndpoint, closeQuietly, connectEndpoint } from "./endpoint.js";
import { qualified, quoteLiteral } from "../plan/sql-text.js";
import type { SourceTable } from "./source-tables.js";
import { TableLoadError, copyTable } from "./table-copy.js";

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

  const worker = async (queue: SourceTable[], truncateFirst: boolean): Promise<void> => {
    const sub = await openSubTask(options);
    sessions.add(sub.source);
    sessions.add(sub.target);
    try {
      for (let table = queue.shift(); table && !internal.signal.aborted; table = queue.shift()) {
        options.events.tableStarted(table);
        const current = table;
        try {
          if (options.tableDelayMs) await delay(options.tableDelayMs, undefined, { signal: internal.signal });
          const rows = await copyTable({
            source: sub.source,
            target: sub.target,
            table: current,
            truncateFirst,
            onRows: (n) => options.events.tableRows(current, n),
          });
          options.events.tableCompleted(current, rows);
        } catch (err) {
          if (internal.signal.aborted) throw internal.signal.reason;
          const failure = err instanceof TableLoadError ? err : new TableLoadError(current, "load", err);
          options.events.tableFailed(current, failure);
          throw failure;
        }
      }
    } finally {
      await closeQuietly(sub.source);
      await closeQuietly(sub.target);
    }
  };

  const runPhase = async (queue: SourceTable[], subTasks: number, truncateFirst: boolean): Promise<void> => {
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
    await runPhase(phases.tables, options.subTasks, options.truncateFirst);
    await runPhase(phases.parents, 1, false);
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    stopAll();
  }
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
