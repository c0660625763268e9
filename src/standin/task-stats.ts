/**
 * The task's statistics in DMS's shapes (ReplicationTaskStats, TableStatistics), computed
 * from the stand-in's task record. Pure: the engine hands in the record, the time, and for CDC
 * the target's row counters.
 */
import type { ReplicationTaskStats, TableStatistics } from "@aws-sdk/client-database-migration-service";
import type { CounterBaseline, TableRecord, TaskRecord } from "./task-record.js";

const date = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

/** How far one table is, 0–1: done when completed; otherwise rows copied against the estimate, never 100 %. */
function tableProgress(t: TableRecord): number {
  if (t.state === "Table completed") return 1;
  if (t.state !== "Full load" || t.estimatedRows <= 0) return 0;
  return Math.min(0.99, t.fullLoadRows / t.estimatedRows);
}

export function fullLoadProgressPercent(tables: readonly TableRecord[]): number {
  const total = tables.reduce((sum, t) => sum + t.weight, 0);
  if (tables.length === 0 || total === 0) return 0;
  if (tables.every((t) => t.state === "Table completed")) return 100;
  const done = tables.reduce((sum, t) => sum + t.weight * tableProgress(t), 0);
  return Math.min(99, Math.floor((100 * done) / total));
}

export function replicationTaskStats(record: TaskRecord, now: Date): ReplicationTaskStats {
  const count = (state: TableRecord["state"]): number => record.tables.filter((t) => t.state === state).length;
  const start = date(record.startDate);
  const running = record.status === "starting" || record.status === "running" || record.status === "stopping";
  const end = running ? now : (date(record.stopDate) ?? now);
  return {
    FullLoadProgressPercent: fullLoadProgressPercent(record.tables),
    ElapsedTimeMillis: start ? Math.max(0, end.getTime() - start.getTime()) : 0,
    TablesLoaded: count("Table completed"),
    TablesLoading: count("Full load"),
    TablesQueued: count("Before load"),
    TablesErrored: count("Table error"),
    FreshStartDate: date(record.freshStartDate),
    StartDate: start,
    StopDate: running ? undefined : date(record.stopDate),
    FullLoadStartDate: date(record.fullLoadStartDate),
    FullLoadFinishDate: date(record.fullLoadFinishDate),
  };
}

/**
 * Per-table statistics. `counters` are the target's cumulative row counters now; the CDC
 * figures are their growth since `record.cdcBaseline` (zero before CDC started).
 */
export function tableStatistics(record: TaskRecord, counters: ReadonlyMap<string, CounterBaseline> | undefined): TableStatistics[] {
  return record.tables.map((t) => {
    const key = `${t.schema}.${t.table}`;
    const base = record.cdcBaseline?.[key];
    const nowCounters = counters?.get(key);
    const delta = (k: keyof CounterBaseline): number => (base && nowCounters ? Math.max(0, nowCounters[k] - base[k]) : 0);
    return {
      SchemaName: t.schema,
      TableName: t.table,
      Inserts: delta("inserts"),
      Updates: delta("updates"),
      Deletes: delta("deletes"),
      Ddls: 0,
      AppliedInserts: delta("inserts"),
      AppliedUpdates: delta("updates"),
      AppliedDeletes: delta("deletes"),
      AppliedDdls: 0,
      FullLoadRows: t.fullLoadRows,
      FullLoadStartTime: date(t.fullLoadStartTime),
      FullLoadEndTime: date(t.fullLoadEndTime),
      FullLoadReloaded: t.reloaded,
      LastUpdateTime: date(t.lastUpdateTime),
      TableState: t.state,
    };
  });
}
