import type { PgClient } from "../../adapters/postgres/connect.js";
import { throwIfAborted } from "../../core/clock.js";
import { repairAtCutover } from "../key-changes/cutover-repair.js";
import type { KeyChangeRepair } from "../key-changes/cutover-repair.js";
import type { StepContext } from "../context.js";
import { runDatabaseHook } from "../database-hook.js";
import { waitForMarker, writeMarker } from "./drain.js";
import { type FreezeIo, applyFreeze } from "./freeze.js";
import type { CutoverPlan } from "./prepare.js";
import { cutoverOutput } from "./output.js";
import type { WindowBreakdown } from "./report.js";
import { recordSwitchStarted } from "./switch-record.js";
import { exportTargetSnapshot } from "./verify-after-switch.js";
import { failingSpinner } from "../../ui/reporter.js";
import { createAuroraSlot, stopForwardTask } from "../rollback/open-window.js";

/** The freeze's I/O: hooks get the time limit; the lift never gets the step's signal, so an interrupted cutover can still undo its freeze. */
export function freezeIo(ctx: StepContext, client: PgClient, hookTimeoutSeconds: number | undefined): FreezeIo {
  return {
    client,
    clock: ctx.clock,
    save: () => ctx.save(),
    runSourceHook: (command, what, signal) =>
      runDatabaseHook(ctx, "source", command, what, {
        ...(signal ? { signal } : {}),
        ...(hookTimeoutSeconds !== undefined ? { timeoutSeconds: hookTimeoutSeconds } : {}),
      }),
    say: (text) => ctx.reporter.warn(text),
  };
}

/** How far the window got: what a rollback needs to know. Filled in as it goes. */
export interface WindowProgress {
  frozeAt?: string;
  drainedAt?: string;
  /** The switch was recorded as started: from here a failure must not lift the freeze by itself (unless the hook itself exits non-zero). */
  switchStarted?: boolean;
  window?: WindowBreakdown;
}

export interface WindowResult {
  frozeAt: string;
  drainedAt: string;
  switchedAt: string;
  window: WindowBreakdown;
  keyChanges?: KeyChangeRepair;
  sequences: string;
  sequenceWarnings: string[];
  /** The target's snapshot at the drain point, exported by `holder` (absent with verify none). */
  snapshotId?: string;
}

/**
 * The write window, and nothing whose cost grows with the data: the freeze (one batch), the
 * marker written and polled tightly on the target, the repair of changed keys (grows only
 * with the keys changed), the target's snapshot exported and the final sequence sync (two
 * round trips) side by side, the switch recorded (fsynced), the switch hook. Every phase is
 * timed into `progress.window`.
 */
export async function runWindow(
  ctx: StepContext,
  db: { source: PgClient; target: PgClient; holder: PgClient | undefined },
  plan: CutoverPlan,
  progress: WindowProgress,
): Promise<WindowResult> {
  const { reporter, clock } = ctx;
  const out = cutoverOutput(ctx);
  const record = plan.record;
  const now = (): number => clock.now().getTime();
  const t0 = now();
  const frozeAt = new Date(t0).toISOString();
  progress.frozeAt = frozeAt;
  const window: WindowBreakdown = { freezeMs: 0 };
  progress.window = window;

  if (record.method !== "none") {
    const spinner = reporter.spinner("Freezing writes on the source");
    await failingSpinner(spinner, () => applyFreeze(freezeIo(ctx, db.source, plan.hookTimeoutSeconds), record, { signal: ctx.signal }));
    spinner.succeed(`Writes frozen on the source${record.terminated.length ? ` (${record.terminated.length} session(s) ended)` : ""}`);
  }
  const t1 = now();
  window.freezeMs = t1 - t0;
  throwIfAborted(ctx.signal);

  const marker = await writeMarker(db.source);
  out.marker = { ...marker, writtenAt: clock.now().toISOString() };
  const spinner = reporter.spinner(`Waiting for the marker (row ${marker.id}) on the target`);
  const seen = await failingSpinner(spinner, () => waitForMarker(db.target, marker, { clock, signal: ctx.signal, timeoutSeconds: plan.drainTimeoutSeconds, spinner }));
  const drainedAt = seen.toISOString();
  progress.drainedAt = drainedAt;
  out.marker.seenAt = drainedAt;
  window.drainMs = seen.getTime() - t1;
  spinner.succeed(`The target has every write made before the freeze (${window.drainMs} ms after it)`);
  throwIfAborted(ctx.signal);

  // Before the snapshot: the rows DMS left under an old key are made right first.
  const t2 = now();
  const keyChanges = await repairAtCutover(ctx, db.source, db.target);
  const t3 = now();
  window.keyChangesMs = t3 - t2;
  throwIfAborted(ctx.signal);

  // The drain point: the target's state kept for the comparison after the switch, and the sequences moved.
  const [snapshotId, sequences] = await Promise.all([db.holder ? exportTargetSnapshot(db.holder) : Promise.resolve(undefined), plan.sequences.run()]);
  const t4 = now();
  window.sequencesMs = t4 - t3;
  reporter.success(`Sequences synced: ${sequences.summary}`);
  throwIfAborted(ctx.signal);

  // The rollback window: the forward task stopped first (it would carry the reverse task's writes
  // on the old server back to Aurora), then the Aurora slot, which keeps every write on Aurora from here.
  if (plan.reverse) {
    const reverse = plan.reverse;
    const stopping = reporter.spinner("Stopping the forward DMS task (the rollback window)");
    await failingSpinner(stopping, () => stopForwardTask(ctx, reverse));
    const t41 = now();
    window.forwardStopMs = t41 - t4;
    stopping.succeed(`Forward DMS task stopped (${window.forwardStopMs} ms)`);
    throwIfAborted(ctx.signal);
    const lsn = await createAuroraSlot(ctx, db.target, reverse);
    window.slotMs = now() - t41;
    reporter.success(`Created the Aurora slot ${reverse.slotName} at ${lsn} (${window.slotMs} ms): the reverse task starts from it after the switch`);
    throwIfAborted(ctx.signal);
  }

  // Timed with the hook: the fsynced record of its start is part of switching.
  const t5 = now();
  await recordSwitchStarted(ctx, plan.switchHook);
  progress.switchStarted = true;
  reporter.info("Running your switch command:");
  await runDatabaseHook(ctx, "target", plan.switchHook, "switch hook", {
    signal: ctx.signal,
    timeoutSeconds: plan.hookTimeoutSeconds,
    hint: "Its output is above: fix the command (cutover.switchHook), then run `aurora-migrate cutover` again.",
  });
  const t6 = now();
  window.hookMs = t6 - t5;
  window.totalMs = t6 - t0;
  const switchedAt = new Date(t6).toISOString();
  out.switch!.finishedAt = switchedAt;
  return {
    frozeAt,
    drainedAt,
    switchedAt,
    window,
    ...(keyChanges ? { keyChanges } : {}),
    sequences: sequences.summary,
    sequenceWarnings: sequences.warnings,
    ...(snapshotId ? { snapshotId } : {}),
  };
}
