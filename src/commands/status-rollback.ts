/**
 * What `status` says about the rollback window (issue 14): open since when, the reverse task
 * and its latency, the WAL the slot on Aurora keeps, the key changes recorded on Aurora, each
 * as last read by `rollback`'s checks or `finish` (status never connects: "not measured yet"
 * until one has read it).
 */
import { RES } from "../migration/aws/resources.js";
import { readOutput } from "../migration/outputs/read.js";
import { formatBytes } from "../plan/lob-sizing.js";
import { commandFor } from "../state/paths.js";
import type { MigrationState } from "../state/schema.js";
import { type ReadingAge, ageOf, asOf } from "./status-readings.js";

type Options = { statePath: string; configPath?: string };

/** `rollbackWindow` in `status --json`. */
export interface RollbackWindowStatus {
  /** prepared: reverse path made, not started; open: writes on Aurora flow back; rolling-back: a rollback started and has not ended; switched-back: the app is on the old server again; finished: `finish` ended it. */
  state: "prepared" | "open" | "rolling-back" | "switched-back" | "finished";
  openedAt?: string;
  /** Seconds the window has been open at `now` (while open). */
  openSeconds?: number;
  finishedAt?: string;
  rollback?: { startedAt: string; outcome?: string; finishedAt?: string; windowMs?: number };
  reverseTask?: { id: string; status?: string; latencySeconds?: number; read?: ReadingAge; notMeasured?: boolean };
  auroraSlot?: { name: string; status: string; retainedBytes?: number; gone?: boolean; read?: ReadingAge; notMeasured?: boolean };
  /** Key-changing UPDATEs recorded on Aurora since the switch (`rollback` re-copies those rows: DMS does not carry them back); present while the capture is there. */
  keyChanges?: { count?: number; read?: ReadingAge; notMeasured?: boolean };
  /** The commands that go on from here. */
  next: string[];
}


/** The window as recorded; undefined when the migration has none. */
export function rollbackWindowStatus(state: MigrationState, options: Options, now: Date): RollbackWindowStatus | undefined {
  const w = readOutput({ state, options }, "rollback-window");
  if (!w || (!w.preparedAt && !w.openedAt && !w.slot)) return undefined;
  const r = w.rollback;
  const s: RollbackWindowStatus["state"] = w.finishedAt
    ? "finished"
    : r?.outcome === "switched-back"
      ? "switched-back"
      : r && !r.finishedAt && !r.outcome
        ? "rolling-back"
        : w.openedAt
          ? "open"
          : "prepared";
  const status: RollbackWindowStatus = { state: s, next: [] };
  if (w.openedAt) status.openedAt = w.openedAt;
  if (w.openedAt && (s === "open" || s === "rolling-back")) status.openSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(w.openedAt)) / 1000));
  if (w.finishedAt) status.finishedAt = w.finishedAt;
  if (r) status.rollback = { startedAt: r.startedAt, ...(r.outcome ? { outcome: r.outcome } : {}), ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}), ...(r.windowMs !== undefined ? { windowMs: r.windowMs } : {}) };
  const task = state.resources[RES.reverseTask];
  if (task && task["deletedAt"] === undefined) {
    const t = w.readings?.reverseTask;
    status.reverseTask = t
      ? { id: task.id, status: t.status, ...(t.latencySeconds !== undefined ? { latencySeconds: t.latencySeconds } : {}), read: ageOf(t.at, t.by, now) }
      : { id: task.id, notMeasured: true };
  }
  if (w.slot && w.slot.status !== "dropped") {
    const a = w.readings?.auroraSlot;
    status.auroraSlot = a
      ? { name: w.slot.name, status: w.slot.status, ...(a.retainedBytes !== undefined ? { retainedBytes: a.retainedBytes } : {}), ...(a.gone ? { gone: true } : {}), read: ageOf(a.at, a.by, now) }
      : { name: w.slot.name, status: w.slot.status, notMeasured: true };
  }
  if (w.keyCapture?.status === "installed") {
    const k = w.readings?.auroraKeyChanges;
    status.keyChanges = k ? { count: k.count, read: ageOf(k.at, k.by, now) } : { notMeasured: true };
  }
  if (s === "open") status.next = [commandFor("rollback", options), commandFor("finish", options)];
  else if (s === "rolling-back") status.next = [commandFor("rollback", options)];
  else if (s === "switched-back") status.next = [commandFor("finish", options)];
  return status;
}

function since(seconds: number): string {
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 24 ? `${h} h ${String(m % 60).padStart(2, "0")} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "14:02 UTC" (the date too when not today). */
function clock(at: string, now: Date): string {
  const iso = new Date(at).toISOString();
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The lines under "Rollback window". */
export function rollbackWindowLines(s: RollbackWindowStatus, now: Date): string[] {
  const head: Record<RollbackWindowStatus["state"], string> = {
    prepared: "Rollback window: prepared (reverse endpoints and task made), opens at the cutover",
    open: `Rollback window: open since ${s.openedAt ? clock(s.openedAt, now) : "?"}${s.openSeconds !== undefined ? ` (${since(s.openSeconds)} ago)` : ""}`,
    "rolling-back": `Rollback window: a rollback started at ${s.rollback ? clock(s.rollback.startedAt, now) : "?"} and has not ended`,
    "switched-back": `Rollback window: rolled back at ${s.rollback?.finishedAt ? clock(s.rollback.finishedAt, now) : "?"}: the app is on the old server${s.rollback?.windowMs !== undefined ? ` (write window ${s.rollback.windowMs} ms)` : ""}`,
    finished: `Rollback window: ended by finish at ${s.finishedAt ? clock(s.finishedAt, now) : "?"}`,
  };
  const parts = [head[s.state]];
  const t = s.reverseTask;
  if (t) {
    parts.push(
      t.notMeasured || !t.read
        ? `reverse task ${t.id}: not measured yet`
        : `reverse task ${t.status ?? "?"}${t.latencySeconds !== undefined ? `, latency ${t.latencySeconds} s` : ", latency not read"} ${asOf(t.read, now)}`,
    );
  }
  const a = s.auroraSlot;
  if (a) {
    parts.push(
      a.notMeasured || !a.read
        ? `slot ${a.name} on Aurora: not measured yet`
        : a.gone
          ? `slot ${a.name} no longer on Aurora ${asOf(a.read, now)}`
          : `slot on Aurora keeps ${a.retainedBytes !== undefined ? formatBytes(a.retainedBytes) : "an unknown amount"} ${asOf(a.read, now)}`,
    );
  }
  const k = s.keyChanges;
  if (k) {
    parts.push(
      k.notMeasured || !k.read || k.count === undefined
        ? "primary-key changes on Aurora: not counted yet"
        : `${k.count} primary-key change(s) recorded on Aurora${k.count > 0 ? " (rollback re-copies those rows)" : ""} ${asOf(k.read, now)}`,
    );
  }
  const lines = [`  ${parts.join("; ")}.`];
  if (s.state === "open") lines.push(`  Go back to the old server: ${s.next[0] ?? ""}`, `  Once confident in Aurora, end it (the slot on Aurora keeps its WAL until then): ${s.next[1] ?? ""}`);
  else if (s.state === "rolling-back") lines.push(`  Resume it: ${s.next[0] ?? ""}`);
  else if (s.next[0]) lines.push(`  Remove the reverse path: ${s.next[0]}`);
  return lines;
}
