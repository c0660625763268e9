/**
 * The full load's live line (step 8), pure: a bar from DMS's FullLoadProgressPercent, tables
 * from ReplicationTaskStats, rows from the per-table FullLoadRows against the source's row
 * estimates, and an ETA from the observed throughput.
 *
 *   [██████░░░░] 62%  tables 5/8 (2 loading) · rows 1.2M/2.0M · 38k rows/s · ETA 21 s
 */
import type { TaskView } from "../plan/task-status.js";
import { compactCount, formatDuration, textBar } from "./progress-format.js";
import { type RateState, etaSeconds, observeRate } from "./progress-rate.js";

/** One table of DescribeTableStatistics. */
export interface TableRows {
  schema: string;
  table: string;
  /** FullLoadRows: rows copied so far. */
  rows: number;
  completed: boolean;
}

/** `schema\u0000table` → the source's estimate (pg_class.reltuples), undefined when never analysed. */
export type RowEstimates = ReadonlyMap<string, number | undefined>;

export const tableKey = (schema: string, table: string): string => `${schema}\u0000${table}`;

export interface FullLoadFigures {
  /** DMS's FullLoadProgressPercent. */
  percent: number;
  tables: { total: number; loaded: number; loading: number; queued: number; errored: number };
  rowsLoaded: number;
  /** Estimated rows in all; undefined when neither the estimates nor the percent tell. */
  rowsTotal?: number;
  status: string;
}

/**
 * Rows in all: per table, the rows copied once it is complete, else the larger of the estimate
 * and the rows copied so far. Where a table's estimate is unknown (never analysed), the total
 * is extrapolated from DMS's percent instead.
 */
export function estimateTotalRows(tables: readonly TableRows[], estimates: RowEstimates | undefined, percent: number): number | undefined {
  const loaded = tables.reduce((sum, t) => sum + t.rows, 0);
  if (percent >= 100) return loaded;
  const fromPercent = percent > 0 && loaded > 0 ? Math.round((loaded * 100) / percent) : undefined;
  if (!estimates || estimates.size === 0) return fromPercent;
  const stats = new Map(tables.map((t) => [tableKey(t.schema, t.table), t]));
  let total = 0;
  for (const [key, estimate] of estimates) {
    const t = stats.get(key);
    if (t?.completed) total += t.rows;
    else if (estimate === undefined) return fromPercent;
    else total += Math.max(estimate, t?.rows ?? 0);
  }
  for (const [key, t] of stats) {
    if (estimates.has(key)) continue;
    // A table the estimates missed (the cutover marker, one created since): what it holds so far.
    total += t.rows;
  }
  return Math.max(total, loaded);
}

export function fullLoadFigures(task: TaskView, tables: readonly TableRows[], estimates: RowEstimates | undefined): FullLoadFigures {
  const s = task.ReplicationTaskStats ?? {};
  const loaded = s.TablesLoaded ?? 0;
  const loading = s.TablesLoading ?? 0;
  const queued = s.TablesQueued ?? 0;
  const errored = s.TablesErrored ?? 0;
  const percent = s.FullLoadProgressPercent ?? 0;
  const rowsTotal = estimateTotalRows(tables, estimates, percent);
  return {
    percent,
    tables: { total: loaded + loading + queued + errored, loaded, loading, queued, errored },
    rowsLoaded: tables.reduce((sum, t) => sum + t.rows, 0),
    ...(rowsTotal === undefined ? {} : { rowsTotal }),
    status: task.Status ?? "unknown",
  };
}

/** The throughput so far: rows per second, and percent per second for when rows in all are unknown. */
export interface FullLoadRates {
  rows?: RateState;
  percent?: RateState;
}

export function observeFullLoad(prev: FullLoadRates, at: number, f: FullLoadFigures): FullLoadRates {
  return { rows: observeRate(prev.rows, at, f.rowsLoaded), percent: observeRate(prev.percent, at, f.percent) };
}

/** Seconds left: from rows when rows in all are known, else from the percent; undefined until two readings. */
export function fullLoadEta(f: FullLoadFigures, rates: FullLoadRates): number | undefined {
  if (f.rowsTotal !== undefined) return etaSeconds(rates.rows, f.rowsTotal);
  return etaSeconds(rates.percent, 100);
}

export function fullLoadLine(f: FullLoadFigures, rates: FullLoadRates): string {
  const t = f.tables;
  const inTables = [`${t.loading} loading`, ...(t.queued > 0 ? [`${t.queued} queued`] : []), ...(t.errored > 0 ? [`${t.errored} errored`] : [])];
  const rows = `rows ${compactCount(f.rowsLoaded)}${f.rowsTotal === undefined ? "" : `/${compactCount(f.rowsTotal)}`}`;
  const perSecond = rates.rows?.perSecond;
  const rate = perSecond === undefined ? [] : [`${compactCount(perSecond)} rows/s`];
  const eta = fullLoadEta(f, rates);
  const status = f.status === "running" ? "" : ` (${f.status})`;
  const parts = [`tables ${t.loaded}/${t.total} (${inTables.join(", ")})`, rows, ...rate, `ETA ${eta === undefined ? "—" : formatDuration(eta)}`];
  return `${textBar(f.percent / 100, 10)} ${f.percent}%  ${parts.join(" · ")}${status}`;
}

/** Keeps the throughput between readings; each reading gives the line to show. */
export class FullLoadMeter {
  private rates: FullLoadRates = {};
  constructor(private readonly estimates: RowEstimates | undefined) {}

  line(at: Date, task: TaskView, tables: readonly TableRows[]): string {
    const f = fullLoadFigures(task, tables, this.estimates);
    this.rates = observeFullLoad(this.rates, at.getTime(), f);
    return fullLoadLine(f, this.rates);
  }
}
