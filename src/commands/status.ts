import type { GlobalOptions } from "../migration/context.js";
import { readState } from "../state/store.js";
import { checkRecordedOutputs, readOutput } from "../migration/outputs/read.js";
import type { Reporter } from "../ui/reporter.js";
import { STEP_TITLES } from "../wizard/step-titles.js";
import { commandFor, resumeCommand } from "../state/paths.js";
import { countOf } from "../ui/findings-report.js";
import { type FullLoadProgress, fullLoadProgressLines } from "../ui/progress-full-load.js";
import { type CleanupStatus, cleanupStatus, cleanupStatusLines, resourceStatuses } from "./status-cleanup.js";
import { type FreezeStatus, freezeStatus, freezeStatusLines } from "./status-freeze.js";
import { type ParallelLoadStatus, parallelLoadLines, parallelLoadStatus } from "./status-parallel-load.js";
import { type RollbackWindowStatus, rollbackWindowLines, rollbackWindowStatus } from "./status-rollback.js";
import {
  type KeyChangeStatus,
  type SchemaDriftStatus,
  type WalStatus,
  keyChangeStatus,
  keyChangeStatusLines,
  schemaDriftLines,
  schemaDriftStatus,
  walStatus,
  walStatusLines,
} from "./status-readings.js";
import type { MigrationState, StepRecord, StepStatus } from "../state/schema.js";

export interface StatusReport {
  statePath: string;
  createdAt: string;
  updatedAt: string;
  next: string | null;
  steps: {
    id: string;
    title: string;
    status: StepStatus;
    startedAt?: string;
    finishedAt?: string;
    attempts: number;
    summary?: string;
    error?: StepRecord["error"];
    findings: { blocker: number; warning: number; info: number };
  }[];
  resources: MigrationState["resources"];
  /** A write freeze on the source in force (or that may be), with the command that lifts it. */
  freeze?: FreezeStatus;
  /** The cleanup's progress: when it started, what it deleted (and when), what remains. Only once cleanup started. */
  cleanup?: CleanupStatus;
  /** Primary-key changes recorded on the source (from step 8 on), as the waits last counted them. */
  keyChanges?: KeyChangeStatus;
  /** The big tables' full load as step 6 recorded it: split in parallel-load ranges, or loaded whole and why. From step 6 on. */
  parallelLoad?: ParallelLoadStatus;
  /** The full load's progress as its wait last recorded it (no connection): while the full-load step is not done. */
  fullLoad?: FullLoadProgress;
  /** The WAL the recorded replication slot keeps on the source, as the waits last read it (from step 8 until cleanup drops the slot). */
  walRetention?: WalStatus;
  /** The schema-drift guard's latest comparison (the sync wait's, or the cutover's checks'). */
  schemaDrift?: SchemaDriftStatus;
  /** The rollback window (issue 14): its state, the reverse task and the slot on Aurora as last read. */
  rollbackWindow?: RollbackWindowStatus;
}

/** Pure: the status document for a state (what `status --json` prints); readings' ages at `now`. No connection. */
export function statusReport(state: MigrationState, statePath: string, configPath?: string, now = new Date()): StatusReport {
  const steps = STEP_TITLES.map((s) => {
    const r = state.steps[s.id];
    const count = (sev: string): number => r?.findings.filter((f) => f.severity === sev).length ?? 0;
    return {
      id: s.id,
      title: s.title,
      status: r?.status ?? "pending",
      ...(r?.startedAt ? { startedAt: r.startedAt } : {}),
      ...(r?.finishedAt ? { finishedAt: r.finishedAt } : {}),
      attempts: r?.attempts ?? 0,
      ...(r?.summary ? { summary: r.summary } : {}),
      ...(r?.error ? { error: r.error } : {}),
      findings: { blocker: count("blocker"), warning: count("warning"), info: count("info") },
    };
  });
  const next = steps.find((s) => s.status !== "done");
  const freeze = freezeStatus(state, statePath);
  const cleanup = cleanupStatus(state, { statePath, ...(configPath ? { configPath } : {}) });
  const parallelLoad = parallelLoadStatus(state, statePath);
  const fullLoad = state.steps["full-load"]?.status === "done" ? undefined : readOutput({ state, options: { statePath } }, "full-load")?.progress;
  const options = { statePath, ...(configPath ? { configPath } : {}) };
  const nextId = next?.id ?? null;
  const keyChanges = keyChangeStatus(state, nextId, options, now);
  const walRetention = walStatus(state, nextId, options, now);
  const schemaDrift = schemaDriftStatus(state, nextId, options, now);
  const rollbackWindow = rollbackWindowStatus(state, options, now);
  return {
    statePath,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    next: next?.id ?? null,
    steps,
    resources: state.resources,
    ...(freeze ? { freeze } : {}),
    ...(cleanup ? { cleanup } : {}),
    ...(parallelLoad ? { parallelLoad } : {}),
    ...(fullLoad ? { fullLoad } : {}),
    ...(keyChanges ? { keyChanges } : {}),
    ...(walRetention ? { walRetention } : {}),
    ...(schemaDrift ? { schemaDrift } : {}),
    ...(rollbackWindow ? { rollbackWindow } : {}),
  };
}

/**
 * Pure: what follows a step's line in `status`: its summary, then its blockers and warnings,
 * each count said once ("1 warning", not "1 warning …; 1 warning(s)" when the summary already
 * counts them, as the preflight's does).
 */
export function stepNotes(step: Pick<StatusReport["steps"][number], "summary" | "findings">): string {
  const said = (word: string): boolean => step.summary !== undefined && new RegExp(`\\b\\d+ ${word}(s|\\(s\\))?\\b`).test(step.summary);
  const counts = (["blocker", "warning"] as const).filter((sev) => step.findings[sev] > 0 && !said(sev)).map((sev) => countOf(step.findings[sev], sev));
  return [step.summary, ...counts].filter(Boolean).join("; ");
}

const ICON: Record<StepStatus, string> = { done: "✔", running: "…", failed: "✖", interrupted: "■", pending: "·" };

export async function showStatus(options: GlobalOptions, reporter: Reporter): Promise<void> {
  const state = await readState(options.statePath);
  checkRecordedOutputs(state, options.statePath);
  const now = new Date();
  const report = statusReport(state, options.statePath, options.configPath, now);
  if (reporter.jsonMode) {
    reporter.json(report);
    return;
  }
  const c = reporter.color;
  reporter.heading(`Migration in ${options.statePath} (started ${report.createdAt}, last saved ${report.updatedAt})`);
  report.steps.forEach((s, i) => {
    const paint = s.status === "done" ? c.green : s.status === "failed" ? c.red : s.status === "pending" ? c.dim : c.yellow;
    const when = s.finishedAt ?? s.startedAt;
    const extra = stepNotes(s);
    reporter.info(`${paint(ICON[s.status])} ${String(i + 1).padStart(2)}. ${s.title.padEnd(48)} ${paint(s.status.padEnd(11))} ${when ?? ""}${extra ? `  ${extra}` : ""}`);
    if (s.error) reporter.info(c.red(`      ${s.error.message}`));
  });
  const resources = resourceStatuses(report.resources);
  if (resources.length) {
    reporter.heading("Resources");
    for (const r of resources) {
      const line = `  ${r.kind}: ${r.id}${r.arn ? ` (${r.arn})` : ""}`;
      if (r.deletedAt) reporter.info(c.dim(`${line} — deleted ${r.deletedAt}`));
      else reporter.info(`${line}${r.createdByUs ? "" : " — existing, not ours to delete"}`);
    }
  }
  if (report.parallelLoad) {
    reporter.info("");
    for (const line of parallelLoadLines(report.parallelLoad)) reporter.info(line);
  }
  if (report.fullLoad) {
    reporter.heading("Full load (as last recorded)");
    for (const line of fullLoadProgressLines(report.fullLoad)) reporter.info(`  ${line}`);
  }
  if (report.cleanup) {
    reporter.heading("Cleanup");
    for (const line of cleanupStatusLines(report.cleanup)) reporter.info(`  ${line}`);
  }
  if (report.freeze) {
    reporter.heading("Write freeze in force");
    const [first, ...rest] = freezeStatusLines(report.freeze, options);
    reporter.warn(first ?? "");
    for (const line of rest) reporter.info(`  ${line}`);
  }
  // The recorded readings, each under its heading (absent: nothing recorded yet).
  const readings: [string, string[] | undefined][] = [
    ["Primary-key changes", report.keyChanges && keyChangeStatusLines(report.keyChanges, now)],
    ["WAL kept on the source by the replication slot", report.walRetention && walStatusLines(report.walRetention, now)],
    ["Schema drift", report.schemaDrift && schemaDriftLines(report.schemaDrift, now)],
    ["Rollback window", report.rollbackWindow && rollbackWindowLines(report.rollbackWindow, now)],
  ];
  for (const [heading, lines] of readings) {
    if (!lines) continue;
    reporter.heading(heading);
    for (const line of lines) reporter.info(line);
  }
  reporter.info("");
  if (report.freeze && !report.freeze.switched) reporter.info("Next: the cutover, with writes frozen on the source: see above.");
  // Step 13 waits for the window: `resume` would only say so again.
  else if (report.next === "cleanup" && (report.rollbackWindow?.state === "open" || report.rollbackWindow?.state === "switched-back")) {
    reporter.info(`Next: the rollback window is ${report.rollbackWindow.state === "open" ? "open" : "still in place after the rollback"}: \`${commandFor("finish", options)}\` ends it and cleans up${report.rollbackWindow.state === "open" ? `; \`${commandFor("rollback", options)}\` goes back to the old server` : ""}.`);
  } else reporter.info(report.next ? `Next: ${report.steps.find((s) => s.id === report.next)?.title}. Continue with \`${resumeCommand(options)}\`.` : "Every step is done.");
}
