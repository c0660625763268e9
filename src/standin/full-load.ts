/**
 * The full load: every mapped table copied from one exported snapshot, several tables at a
 * time (MaxFullLoadSubTasks), largest first within a load order. Each sub-task has a source
 * session that imported the snapshot and a target session set up as the DMS target endpoint's
 * AfterConnectScript would (`session_replication_role = replica`: no user triggers, no FK checks).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { PgClient } from "../adapters/postgres/connect.js";
import { type PgEndpoint, closeQuietly, connectEndpoint, quoteLiteral } from "./endpoint.js";
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

export async function runFullLoad(options: FullLoadOptions): Promise<void> {
  const queue = loadQueue(options.tables);
  const count = Math.max(1, Math.min(options.subTasks, queue.length));
  const sessions = new Set<PgClient>();
  // The first failure stops every sub-task: ending their sessions aborts their transactions.
  const stopAll = (): void => {
    for (const s of sessions) void closeQuietly(s);
  };
  const internal = new AbortController();
  const onAbort = (): void => internal.abort(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  internal.signal.addEventListener("abort", stopAll, { once: true });

  const worker = async (): Promise<void> => {
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
            truncateFirst: options.truncateFirst,
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

  try {
    const results = await Promise.allSettled(
      Array.from({ length: count }, () =>
        worker().catch((err: unknown) => {
          if (!internal.signal.aborted) internal.abort(err);
          throw err;
        }),
      ),
    );
    if (internal.signal.aborted) throw internal.signal.reason;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    stopAll();
  }
}
