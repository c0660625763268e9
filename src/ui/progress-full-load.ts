/**
 * The full load's live line (step 8), pure: a bar from DMS's FullLoadProgressPercent, tables
 * from ReplicationTaskStats, rows from the per-table FullLoadRows against the source's row
 * estimates, bytes per second estimated from the source's table sizes (DMS's statistics carry
 * no bytes), and an ETA from the observed throughput.
 *
 *   [██████░░░░] 62%  tables 5/8 (2 loading) · rows 1.2M/2.0M · 38k rows/s · ~12 MiB/s (est.) · ETA 21 s
 */
import { formatBytes } from "../plan/sql-text.js";
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

/** `schema\u0000table` → what the source preflight measured (pg_total_relation_size and reltuples), for its largest tables. */
export type TableSizes = ReadonlyMap<string, { sizeBytes: number; rowEstimate: number }>;

/**
 * Bytes copied so far, an estimate: DMS counts rows, not bytes. A measured table counts its size
 * times the fraction of its estimated rows copied (all of it once complete); any other table its
 * rows times the measured tables' average bytes per row. The sizes include indexes and TOAST, so
 * this is the source's footprint moved, not bytes on the wire. Undefined without sizes.
 */
export function estimateBytesLoaded(tables: readonly TableRows[], sizes: TableSizes | undefined): number | undefined {
  if (!sizes || sizes.size === 0) return undefined;
  let bytes = 0;
  let rows = 0;
  for (const s of sizes.values()) {
    bytes += s.sizeBytes;
    rows += s.rowEstimate;
  }
  const perRow = rows > 0 ? bytes / rows : undefined;
  let total = 0;
  for (const t of tables) {
    const size = sizes.get(tableKey(t.schema, t.table));
    if (size && size.rowEstimate > 0) total += size.sizeBytes * (t.completed ? 1 : Math.min(1, t.rows / size.rowEstimate));
    else if (size && t.completed) total += size.sizeBytes;
    else if (perRow === undefined) return undefined;
    else total += t.rows * perRow;
  }
  return total;
}

export interface FullLoadFigures {
  /** DMS's FullLoadProgressPercent. */
  percent: number;
  tables: { total: number; loaded: number; loading: number; queued: number; errored: number };
  rowsLoaded: number;
  /** Estimated rows in all; undefined when neither the estimates nor the percent tell. */
  rowsTotal?: number;
  /** Estimated bytes copied (see estimateBytesLoaded); undefined without the preflight's sizes. */
  bytesLoaded?: number;
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

export function fullLoadFigures(task: TaskView, tables: readonly TableRows[], estimates: RowEstimates | undefined, sizes?: TableSizes): FullLoadFigures {
  const s = task.ReplicationTaskStats ?? {};
  const loaded = s.TablesLoaded ?? 0;
  const loading = s.TablesLoading ?? 0;
  const queued = s.TablesQueued ?? 0;
  const errored = s.TablesErrored ?? 0;
  const percent = s.FullLoadProgressPercent ?? 0;
  const rowsTotal = estimateTotalRows(tables, estimates, percent);
  const bytesLoaded = estimateBytesLoaded(tables, sizes);
  return {
    percent,
    tables: { total: loaded + loading + queued + errored, loaded, loading, queued, errored },
    rowsLoaded: tables.reduce((sum, t) => sum + t.rows, 0),
    ...(rowsTotal === undefined ? {} : { rowsTotal }),
    ...(bytesLoaded === undefined ? {} : { bytesLoaded }),
    status: task.Status ?? "unknown",
  };
}

/** The throughput so far: rows (and estimated bytes) per second, and percent per second for when rows in all are unknown. */
export interface FullLoadRates {
  rows?: RateState;
  bytes?: RateState;
  percent?: RateState;
}

export function observeFullLoad(prev: FullLoadRates, at: number, f: FullLoadFigures): FullLoadRates {
  return {
    rows: observeRate(prev.rows, at, f.rowsLoaded),
    ...(f.bytesLoaded === undefined ? {} : { bytes: observeRate(prev.bytes, at, f.bytesLoaded) }),
    percent: observeRate(prev.percent, at, f.percent),
  };
}

/** `~12 MiB/s (est.)`: bytes per second, said to be an estimate. */
export const bytesRate = (perSecond: number): string => `~${formatBytes(perSecond)}/s (est.)`;

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
  const bytesPerSecond = rates.bytes?.perSecond;
  const rate = [...(perSecond === undefined ? [] : [`${compactCount(perSecond)} rows/s`]), ...(bytesPerSecond === undefined ? [] : [bytesRate(bytesPerSecond)])];
  const eta = fullLoadEta(f, rates);
  const status = f.status === "running" ? "" : ` (${f.status})`;
  const parts = [`tables ${t.loaded}/${t.total} (${inTables.join(", ")})`, rows, ...rate, `ETA ${eta === undefined ? "—" : formatDuration(eta)}`];
  return `${textBar(f.percent / 100, 10)} ${f.percent}%  ${parts.join(" · ")}${status}`;
}

/** The full load's progress as the wait records it in its output, for `status` (which connects nowhere for it). */
export interface FullLoadProgress {
  /** When it was read (ISO). */
  at: string;
  percent: number;
  tablesLoaded: number;
  tablesTotal: number;
  rowsLoaded: number;
  rowsTotal?: number | undefined;
  rowsPerSecond?: number | undefined;
  /** An estimate, from the source's table sizes. */
  bytesPerSecond?: number | undefined;
  /** Seconds left from `at`. */
  etaSeconds?: number | undefined;
}

export function fullLoadProgress(at: Date, f: FullLoadFigures, rates: FullLoadRates): FullLoadProgress {
  const eta = fullLoadEta(f, rates);
  const rowsPerSecond = rates.rows?.perSecond;
  const bytesPerSecond = rates.bytes?.perSecond;
  return {
    at: at.toISOString(),
    percent: f.percent,
    tablesLoaded: f.tables.loaded,
    tablesTotal: f.tables.total,
    rowsLoaded: f.rowsLoaded,
    ...(f.rowsTotal === undefined ? {} : { rowsTotal: f.rowsTotal }),
    ...(rowsPerSecond === undefined ? {} : { rowsPerSecond }),
    ...(bytesPerSecond === undefined ? {} : { bytesPerSecond }),
    ...(eta === undefined ? {} : { etaSeconds: eta }),
  };
}

/** `status`'s lines for a recorded progress: what was loaded, the pace, and when it should end. */
export function fullLoadProgressLines(p: FullLoadProgress): string[] {
  const rows = `rows ${compactCount(p.rowsLoaded)}${p.rowsTotal === undefined ? "" : ` of ~${compactCount(p.rowsTotal)}`}`;
  const pace = [
    ...(p.rowsPerSecond === undefined ? [] : [`${compactCount(p.rowsPerSecond)} rows/s`]),
    ...(p.bytesPerSecond === undefined ? [] : [bytesRate(p.bytesPerSecond)]),
  ];
  const finish = p.etaSeconds === undefined ? undefined : new Date(Date.parse(p.at) + p.etaSeconds * 1000).toISOString();
  return [
    `${textBar(p.percent / 100, 10)} ${p.percent}%  tables ${p.tablesLoaded}/${p.tablesTotal} · ${rows}${pace.length ? ` · ${pace.join(" · ")}` : ""}`,
    p.etaSeconds === undefined ? `ETA — (not enough readings), as of ${p.at}` : `ETA ${formatDuration(p.etaSeconds)} from ${p.at} (about ${finish})`,
  ];
}

/** Keeps the throughput between readings; each reading gives the line to show, and `progress` the last one to record. */
export class FullLoadMeter {
  private rates: FullLoadRates = {};
  progress: FullLoadProgress | undefined;
  constructor(
    private readonly estimates: RowEstimates | undefined,
    private readonly sizes?: TableSizes,
  ) {}

  line(at: Date, task: TaskView, tables: readonly TableRows[]): string {
    const f = fullLoadFigures(task, tables, this.estimates, this.sizes);
    this.rates = observeFullLoad(this.rates, at.getTime(), f);
    this.progress = fullLoadProgress(at, f, this.rates);
    return fullLoadLine(f, this.rates);
  }
}
