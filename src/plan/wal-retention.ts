/**
 * The WAL guard's verdict: how much WAL the DMS replication slot keeps on the source, against
 * the limit that protects the source's disk. A slot DMS does not read (the task stopped for the
 * restore, or failed) keeps every WAL segment written since; with
 * `max_slot_wal_keep_size = -1` (the default) nothing stops it filling the disk and taking the
 * production database down. Pure: the readings come from adapters/postgres/wal-retention.ts.
 */
import { formatBytes } from "./lob-sizing.js";

/** One reading of the slot and the server's settings. */
export interface WalReading {
  at: Date;
  /** `pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)`: bytes the slot keeps. */
  retainedBytes: number;
  /** `max_slot_wal_keep_size` in bytes; undefined when -1 (unlimited). */
  maxKeepBytes?: number;
  /** `safe_wal_size` (PostgreSQL 13+): bytes that can still be written before the slot loses WAL; undefined when unlimited or older. */
  safeWalBytes?: number;
  /** `wal_status` (PostgreSQL 13+): reserved, extended, unreserved or lost. */
  walStatus?: string;
}

export type WalLevel = "ok" | "warn" | "danger";

export interface WalVerdict {
  level: WalLevel;
  /** One line for a wait or `status`. */
  message: string;
  /** What to run on the source to put a limit in place, when there is none. */
  fix?: string;
  /** Bytes per hour between the two readings; undefined with one reading. */
  growthPerHour?: number | undefined;
  /** The smaller of `max_slot_wal_keep_size` and the disk budget; undefined when neither is set. */
  limitBytes?: number;
}

export interface WalGuardOptions {
  /** Bytes the user allows the slot to keep on the source's disk (no default: unset = no budget). */
  diskBudgetBytes?: number;
  /** Fraction of the limit that warns. Default 0.5. */
  warnAt?: number;
  /** Fraction of the limit that is dangerous. Default 0.8. */
  dangerAt?: number;
}

const HOUR_MS = 3600_000;

/** Bytes per hour from two readings, undefined when they are not ordered in time. */
export function walGrowthPerHour(previous: WalReading | undefined, current: WalReading): number | undefined {
  if (!previous) return undefined;
  const ms = current.at.getTime() - previous.at.getTime();
  if (ms <= 0) return undefined;
  return ((current.retainedBytes - previous.retainedBytes) * HOUR_MS) / ms;
}

/** A keep size to suggest: room for twice what the slot holds now, at least 10 GB, in whole GB. */
export function suggestedKeepSize(retainedBytes: number, diskBudgetBytes?: number): string {
  const gb = 1024 ** 3;
  const wanted = diskBudgetBytes ?? Math.max(10 * gb, retainedBytes * 2);
  return `${Math.max(1, Math.ceil(wanted / gb))}GB`;
}

/** The verdict for the slot's current WAL retention, with the growth since the previous reading. */
export function evaluateWalRetention(current: WalReading, previous?: WalReading, options: WalGuardOptions = {}): WalVerdict {
  const growthPerHour = walGrowthPerHour(previous, current);
  return verdictFor(current.retainedBytes, current, growthPerHour, options, "keeps");
}

/**
 * The verdict for the retention expected after `durationMs` at the given growth rate: what the
 * slot will keep when the restore ends, with the task stopped. Without a rate or a duration the
 * verdict is the current one, and the message says the projection is unknown.
 */
export function projectWalRetention(current: WalReading, growthPerHour: number | undefined, durationMs: number | undefined, options: WalGuardOptions = {}): WalVerdict {
  if (growthPerHour === undefined || durationMs === undefined) {
    const now = verdictFor(current.retainedBytes, current, growthPerHour, options, "keeps");
    return { ...now, message: `${now.message}; no estimate of the restore's length, so no projection` };
  }
  const projected = current.retainedBytes + Math.max(0, growthPerHour) * (durationMs / HOUR_MS);
  const verdict = verdictFor(projected, current, growthPerHour, options, "would keep", ` at the end of the restore (est. ~${hours(durationMs)})`);
  return { ...verdict, message: `${verdict.message} (now ${formatBytes(current.retainedBytes)})` };
}

function verdictFor(bytes: number, reading: WalReading, growthPerHour: number | undefined, options: WalGuardOptions, verb: string, when = ""): WalVerdict {
  const warnAt = options.warnAt ?? 0.5;
  const dangerAt = options.dangerAt ?? 0.8;
  const growth = growthPerHour === undefined ? "" : `, ${growthPerHour >= 0 ? "+" : "-"}${formatBytes(Math.abs(growthPerHour))}/h`;
  const head = `The replication slot ${verb} ${formatBytes(bytes)} of WAL on the source${when}${growth}`;
  if (reading.walStatus === "lost") {
    return { level: "danger", growthPerHour, message: `${head}; wal_status = lost: the source removed WAL the slot needed, DMS cannot continue and the migration must restart from the full load` };
  }
  const limits: { bytes: number; name: string }[] = [];
  if (reading.maxKeepBytes !== undefined) limits.push({ bytes: reading.maxKeepBytes, name: "max_slot_wal_keep_size" });
  if (options.diskBudgetBytes !== undefined) limits.push({ bytes: options.diskBudgetBytes, name: "the disk budget" });
  const limit = limits.sort((a, b) => a.bytes - b.bytes)[0];
  if (!limit) {
    return {
      level: "warn",
      growthPerHour,
      message: `${head}; max_slot_wal_keep_size = -1 (unlimited) and no disk budget: the source's disk is the only limit`,
      fix: `ALTER SYSTEM SET max_slot_wal_keep_size = '${suggestedKeepSize(bytes)}'; SELECT pg_reload_conf();`,
    };
  }
  const ratio = limit.bytes > 0 ? bytes / limit.bytes : Number.POSITIVE_INFINITY;
  const level: WalLevel = ratio >= dangerAt || reading.walStatus === "unreserved" ? "danger" : ratio >= warnAt ? "warn" : "ok";
  const percent = Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : "all";
  let message = `${head}: ${percent} of ${limit.name} (${formatBytes(limit.bytes)})`;
  if (reading.walStatus === "unreserved") message += "; wal_status = unreserved: the next checkpoint may remove WAL the slot needs";
  else if (limit.name === "max_slot_wal_keep_size" && reading.safeWalBytes !== undefined && level !== "ok") message += `; ${formatBytes(Math.max(0, reading.safeWalBytes))} more before the slot loses WAL`;
  if (level !== "ok" && limit.name === "max_slot_wal_keep_size") {
    message += "; past the limit the source drops the slot's WAL and DMS must restart from the full load";
  }
  return { level, growthPerHour, limitBytes: limit.bytes, message };
}

/** A duration as the projection says it: "40 min", "2.5 h", "12 h". */
export function hours(ms: number): string {
  const h = ms / HOUR_MS;
  return h >= 10 ? `${Math.round(h)} h` : h >= 1 ? `${h.toFixed(1)} h` : `${Math.max(1, Math.round(ms / 60_000))} min`;
}

/** The question (step 2) whose answer is the disk budget: also `--wal-budget` and the --config key. */
export const WAL_BUDGET_QUESTION = "source.walBudget";
/** Step 9's question when the projected retention warns: continue, or stop before the restore. */
export const WAL_PROJECTION_QUESTION = "restore.walProjection";

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/**
 * A disk budget as the user writes it ("200GB", "1.5 TB", "500MB"; units are powers of 1024,
 * like PostgreSQL's). Empty, "none" or 0: no budget (max_slot_wal_keep_size alone is the limit).
 */
export function parseWalBudget(text: string): { ok: true; bytes: number | undefined } | { ok: false; problem: string } {
  const t = text.trim().toLowerCase();
  if (t === "" || t === "none" || t === "0") return { ok: true, bytes: undefined };
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)$/.exec(t);
  const unit = m?.[2] === undefined ? undefined : UNITS[m[2]];
  if (!m || unit === undefined) return { ok: false, problem: `expected a size such as 200GB or 1.5TB (or empty for none), got ${JSON.stringify(text)}` };
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? { ok: true, bytes } : { ok: true, bytes: undefined };
}

/**
 * Assumed rate of one index or foreign-key build on the target, in bytes of the source's table
 * plus index per second: CREATE INDEX reads the table and sorts the keys, a foreign key's
 * validation reads the referencing table. 25 MB/s is on the slow side for an Aurora instance
 * with the default maintenance_work_mem, on purpose: a longer estimate makes the projection of
 * the WAL the slot keeps err towards warning. An assumption, not a measurement: shown as "est.".
 */
export const ASSUMED_BUILD_BYTES_PER_SECOND = 25 * 1024 ** 2;

/** How long the restore should take: `jobs` builds at once, never shorter than the largest one. */
export function estimateRestoreMs(buildBytes: readonly number[], jobs: number, bytesPerSecond = ASSUMED_BUILD_BYTES_PER_SECOND): number {
  if (buildBytes.length === 0 || bytesPerSecond <= 0) return 0;
  const total = buildBytes.reduce((a, b) => a + Math.max(0, b), 0);
  const largest = Math.max(0, ...buildBytes);
  const lanes = Math.max(1, Math.min(jobs, buildBytes.length));
  return (Math.max(total / lanes, largest) / bytesPerSecond) * 1000;
}
