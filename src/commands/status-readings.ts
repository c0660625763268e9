/**
 * What `status` says about the source from the waits' latest readings (the WAL the slot keeps,
 * the key-change count, the schema drift), each with its age and the command that reads it
 * again. Pure: `status` never connects (it loads no step, no pg, no SDK).
 */
import { RES } from "../migration/aws/resources.js";
import { readOutput } from "../migration/outputs/read.js";
import { formatBytes } from "../plan/lob-sizing.js";
import { commandFor, resumeCommand } from "../state/paths.js";
import type { MigrationState } from "../state/schema.js";

type Options = { statePath: string; configPath?: string };

/** When a reading was taken: the time it records, its age at `now`, and which step's wait took it. */
export interface ReadingAge {
  at: string;
  ageSeconds: number;
  by: string;
}

/** `walRetention` in `status --json`: the WAL the recorded slot keeps, as last read. */
export interface WalStatus extends Partial<ReadingAge> {
  slot: string;
  /** No reading recorded yet (a state from before the record, or no wait has read it). */
  notRead?: boolean;
  /** The slot was no longer on the source. */
  gone?: boolean | undefined;
  retainedBytes?: number | undefined;
  growthPerHour?: number | undefined;
  level?: "ok" | "warn" | "danger" | undefined;
  message?: string | undefined;
  fix?: string | undefined;
  limitBytes?: number | undefined;
  /** How to get a fresh reading. */
  fresh: string;
}

/** `keyChanges` in `status --json`: primary-key changes recorded on the source (from step 8 on). */
export interface KeyChangeStatus {
  /** As step 8 left it: "installed", "declined", or "removed" once the source has no key-change table. */
  capture: "installed" | "declined" | "removed";
  /** Tables with the trigger. */
  tables: number;
  /** Key-changing UPDATEs recorded on the source, as last counted (`counted` says when). */
  recorded?: number;
  counted?: ReadingAge;
  /** How to get a fresh count (while the capture is installed). */
  fresh?: string;
  /** What the last cutover repaired, from the state. */
  atLastCutover?: { recorded: number; keys: number; at: string };
}

/** `schemaDrift` in `status --json`: the drift guard's latest comparison. */
export interface SchemaDriftStatus extends ReadingAge {
  compared: number;
  /** One line per change the target lacks, with the DDL to run there. */
  changes: string[];
  notChecked?: string;
  fresh: string;
}

export const ageOf = (at: string, by: string, now: Date): ReadingAge => ({ at, by, ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000)) });

/** Steps whose run reads the source again soon: while one of them is next, `resume` gives a fresh reading. */
const READING_STEPS = new Set(["full-load", "restore-and-sequences", "resume-task", "sync-wait"]);

function resumeReads(next: string | null, options: Options): string | undefined {
  return next !== null && READING_STEPS.has(next) ? `\`${resumeCommand(options)}\` (the waits read it every round)` : undefined;
}

/** The WAL the slot keeps as last read, while a slot is recorded and not dropped. */
export function walStatus(state: MigrationState, next: string | null, options: Options, now: Date): WalStatus | undefined {
  const r = state.resources[RES.slot];
  if (!r || r["deletedAt"] !== undefined) return undefined;
  const slot = r.id;
  const sql = `on the source: SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots WHERE slot_name = '${slot.replace(/'/g, "''")}';`;
  const fresh = resumeReads(next, options) ?? sql;
  const wal = readOutput({ state, options }, "source-watch")?.wal;
  if (!wal || wal.slot !== slot) return { slot, notRead: true, fresh };
  const { at, by, slot: _recorded, ...figures } = wal;
  return { slot, ...ageOf(at, by, now), ...figures, fresh };
}

/** The key-change capture and its count as last read; undefined before step 8 decided. */
export function keyChangeStatus(state: MigrationState, next: string | null, options: Options, now: Date): KeyChangeStatus | undefined {
  const out = readOutput({ state, options }, "key-changes");
  if (!out) return undefined;
  const status: KeyChangeStatus = { capture: out.capture, tables: out.tables.length };
  const last = readOutput({ state, options }, "cutover")?.report;
  if (last?.keyChanges) status.atLastCutover = { recorded: last.keyChanges.recorded, keys: last.keyChanges.keys, at: last.drainedAt ?? last.frozeAt };
  if (out.capture !== "installed") return status;
  const counted = readOutput({ state, options }, "source-watch")?.keyChanges;
  if (counted?.removed) status.capture = "removed";
  else if (counted) Object.assign(status, { recorded: counted.recorded, counted: ageOf(counted.at, counted.by, now) });
  if (status.capture === "installed") status.fresh = resumeReads(next, options) ?? "on the source: SELECT count(*) FROM aurora_migrate.key_changes;";
  return status;
}

/** The drift guard's latest comparison; undefined until one ran. */
export function schemaDriftStatus(state: MigrationState, next: string | null, options: Options, now: Date): SchemaDriftStatus | undefined {
  const d = readOutput({ state, options }, "schema-drift");
  if (!d) return undefined;
  const fresh = next === "sync-wait" ? `\`${resumeCommand(options)}\` (the sync wait compares it)` : `\`${commandFor("cutover --dry-run", options)}\` (its checks compare it, changing nothing)`;
  return { ...ageOf(d.at, d.by, now), compared: d.compared, changes: d.changes, ...(d.notChecked ? { notChecked: d.notChecked } : {}), fresh };
}

/** "14:02 UTC, 3 min ago" (the date too when not today, UTC). */
export function asOf(r: ReadingAge, now: Date): string {
  const iso = new Date(r.at).toISOString();
  const when = iso.slice(0, 10) === now.toISOString().slice(0, 10) ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `as of ${when}, ${ago(r.ageSeconds)}, read by ${STEP_WORDS[r.by] ?? r.by}`;
}

const STEP_WORDS: Record<string, string> = {
  "full-load": "the full load's wait",
  "restore-and-sequences": "step 9 before its restore",
  "sync-wait": "the sync wait",
  cutover: "the cutover's checks",
  rollback: "`rollback`'s checks",
  finish: "`finish`",
};

function ago(seconds: number): string {
  if (seconds < 60) return "just now";
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min ago`;
  return `${Math.floor(h / 24)} d ${h % 24} h ago`;
}

/** The lines under "WAL kept on the source by the replication slot". */
export function walStatusLines(s: WalStatus, now: Date): string[] {
  if (s.notRead) return [`  No reading of the slot ${s.slot} recorded yet.`, `  Fresh reading: ${s.fresh}`];
  const when = s.at && s.by && s.ageSeconds !== undefined ? asOf({ at: s.at, by: s.by, ageSeconds: s.ageSeconds }, now) : "as of an unknown time";
  if (s.gone) return [`  The slot ${s.slot} was no longer on the source (${when}).`];
  const level = s.level && s.level !== "ok" ? `${s.level.toUpperCase()}: ` : "";
  const lines = [`  ${level}${s.message ?? `The slot keeps ${formatBytes(s.retainedBytes ?? 0)} of WAL`} (slot ${s.slot})`, `  ${when.charAt(0).toUpperCase()}${when.slice(1)}.`];
  if (s.fix) lines.push(`  To put a limit in place, on the source: ${s.fix}`);
  lines.push(`  Fresh reading: ${s.fresh}`);
  return lines;
}

/** The lines under "Primary-key changes". */
export function keyChangeStatusLines(s: KeyChangeStatus, now: Date): string[] {
  const lines: string[] = [];
  if (s.capture === "declined") lines.push("  Not recorded (declined at step 8): an UPDATE that changes a primary key is lost on the target.");
  else if (s.capture === "removed") lines.push(`  The capture was removed from the source (cleanup); it covered ${s.tables} table(s).`);
  else if (s.recorded !== undefined && s.counted) {
    lines.push(`  ${s.recorded} primary-key change(s) recorded on the source (trigger on ${s.tables} table(s)), ${asOf(s.counted, now)}; the cutover re-copies those rows.`);
  } else lines.push(`  Trigger on ${s.tables} table(s); no count of the changes recorded yet.`);
  if (s.fresh) lines.push(`  Fresh count: ${s.fresh}`);
  if (s.atLastCutover) lines.push(`  At the last cutover (${s.atLastCutover.at}): ${s.atLastCutover.recorded} change(s) recorded, ${s.atLastCutover.keys} key(s) re-synced on the target.`);
  return lines;
}

/** The lines under "Schema drift". */
export function schemaDriftLines(s: SchemaDriftStatus, now: Date): string[] {
  const when = asOf(s, now);
  const lines: string[] = [];
  if (s.notChecked) lines.push(`  Not compared ${when}: ${s.notChecked}`);
  else if (s.changes.length === 0) lines.push(`  Schema drift: none ${when} (${s.compared} catalog objects compared).`);
  else {
    lines.push(`  Schema drift: ${s.changes.length} change(s) on the source the target lacks, ${when}; the cutover will not start until the target has them. The DDL to run on the target:`);
    for (const c of s.changes) lines.push(`    ${c}`);
  }
  lines.push(`  Fresh comparison: ${s.fresh}`);
  return lines;
}
