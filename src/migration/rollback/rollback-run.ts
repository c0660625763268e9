import type { PgClient } from "../../adapters/postgres/connect.js";
import { untilAborted } from "../../core/abort.js";
import { throwIfAborted } from "../../core/clock.js";
import { BlockedError, OperationError, UsageError } from "../../core/errors.js";
import { commandFor } from "../../state/paths.js";
import { failingSpinner } from "../../ui/reporter.js";
import { openDatabase } from "../connections.js";
import type { StepContext } from "../context.js";
import { runDatabaseHook } from "../database-hook.js";
import { waitForMarker, writeMarker } from "../cutover/drain.js";
import { applyFreeze } from "../cutover/freeze.js";
import { Q } from "../cutover/questions.js";
import { liftRecordedFreeze } from "../cutover/run-cutover.js";
import { freezeIo } from "../cutover/window.js";
import { syncSequences } from "../sequences/sync.js";
import { rollbackWindowOutput } from "./output.js";
import type { RollbackRecord } from "./record.js";
import type { RollbackDeps } from "./rollback-deps.js";
import { repairAtRollback } from "./reverse-key-changes.js";
import { RQ, askSwitchBackHappened } from "./rollback-questions.js";
import { type Plan, assertWindowOpen, prepareRollback } from "./rollback-prepare.js";
import { type Progress, backToWindow, pendingSwitchBack, twoExits, undoRollback } from "./rollback-recovery.js";

type Window = NonNullable<RollbackRecord["window"]>;

/** After the switch-back: the reverse task stopped (recorded before and after), the rollback finished. */
async function stopReverse(ctx: StepContext, deps: RollbackDeps, rb: RollbackRecord): Promise<void> {
  if (rb.reverseStop?.stoppedAt) return;
  rb.reverseStop ??= { requestedAt: ctx.clock.now().toISOString() };
  await ctx.save();
  await deps.stopReverseTask();
  rb.reverseStop.stoppedAt = ctx.clock.now().toISOString();
  rb.finishedAt ??= rb.reverseStop.stoppedAt;
  await ctx.save();
}

/** What a person reads at the end of a rollback that switched back. */
function switchedBackLines(ctx: StepContext, rb: RollbackRecord): string[] {
  const lines: string[] = [];
  if (rb.freeze?.frozenAt) lines.push(`Writes frozen on Aurora:        ${rb.freeze.frozenAt}`);
  if (rb.marker?.seenAt) lines.push(`Old server had every write:     ${rb.marker.seenAt}`);
  if (rb.keyChanges) lines.push(`Primary-key changes repaired:   ${rb.keyChanges.keys} key(s) re-synced (${rb.keyChanges.recorded} change(s) recorded on Aurora)`);
  if (rb.sequences) lines.push(`Sequences on the old server:    ${rb.sequences}`);
  if (rb.sourceUnfrozenAt) lines.push(`Old server's freeze lifted:     ${rb.sourceUnfrozenAt}`);
  if (rb.switchBack?.finishedAt) lines.push(`Switch-back finished:           ${rb.switchBack.finishedAt}${rb.switchBack.confirmedByUser ? " (confirmed by you)" : ""}`);
  if (rb.windowMs !== undefined) lines.push(`Writes were unavailable for ${(rb.windowMs / 1000).toFixed(2)} s.`);
  const w = rb.window;
  if (w) {
    const parts: [string, number | undefined][] = [["freeze", w.freezeMs], ["drain", w.drainMs], ["key-change repair", w.keyChangesMs], ["sequence sync", w.sequencesMs], ["old server's unfreeze", w.unfreezeMs], ["switch-back hook", w.hookMs]];
    lines.push(`The write window, phase by phase: ${parts.filter((p): p is [string, number] => p[1] !== undefined).map(([n, ms]) => `${n} ${ms} ms`).join(", ")}.`);
  }
  lines.push(
    `The app is on the old server; the reverse task is stopped. What is left: \`${commandFor("finish", ctx.options)}\` removes the reverse path (task, endpoints, Aurora's slot), then the usual cleanup.`,
    `Aurora stays frozen for the app so nothing writes there by mistake; \`${commandFor("rollback", ctx.options)} --unfreeze\` lifts it.`,
  );
  return lines;
}

export interface RollbackRunOptions {
  /** --switched: the user confirms that a switch-back left unfinished by a crash did happen. */
  switched?: boolean;
}

/**
 * `aurora-migrate rollback` (issue 14; README "Rollback window: rollback"): within the rollback
 * window, back to the old server without losing a write made on Aurora. Preconditions (a switched
 * cutover, the window open, the reverse task running under the latency threshold), then the
 * window: Aurora frozen for the app's roles, a marker written on Aurora and awaited on the old
 * server, sequences moved on the old server (never backwards), the old server's freeze lifted,
 * the switch-back recorded (fsynced) and the user's hook; then the reverse task stopped. Any
 * failure before the hook, or the hook exiting non-zero, leaves the app one writable database,
 * Aurora (the old server frozen again); a hook ended or killed keeps everything and asks.
 * Returns undefined on --dry-run.
 */
export async function runRollback(ctx: StepContext, deps: RollbackDeps, o: RollbackRunOptions = {}): Promise<RollbackRecord | undefined> {
  const { reporter } = ctx;
  const win = rollbackWindowOutput(ctx);
  const done = win.rollback;
  if (done?.outcome === "switched-back") {
    if (!ctx.options.dryRun) await stopReverse(ctx, deps, done);
    reporter.success(`The rollback already switched the app back to the old server at ${done.switchBack?.finishedAt ?? "an earlier run"}.`);
    for (const line of switchedBackLines(ctx, done)) reporter.info(line);
    return done;
  }
  const pending = pendingSwitchBack(ctx);
  if (pending) return settlePendingSwitchBack(ctx, deps, done!, pending, o);
  if (o.switched) {
    throw new UsageError("--switched confirms a switch-back left unfinished by an interrupted rollback, and none is recorded. Nothing was changed.", {
      hint: `Run \`${commandFor("rollback", ctx.options)}\` to roll back.`,
    });
  }
  assertWindowOpen(ctx);
  // A rollback that stopped before its hook (a crash): the app cannot have switched, so back to the window first.
  if (done && (!done.outcome || (done.freeze && done.freeze.status !== "lifted")) && !ctx.options.dryRun) {
    reporter.warn("An earlier rollback stopped before its switch-back command ran: the old server is frozen again and Aurora's freeze lifted first.");
    await backToWindow(ctx, "interrupted before the switch-back");
  }

  const old = await openDatabase(ctx, "source");
  let aurora: PgClient | undefined;
  try {
    aurora = await openDatabase(ctx, "target");
    const plan = await untilAborted(prepareRollback(ctx, deps, old, aurora), ctx.signal);
    if (!plan) {
      reporter.info("Dry run: nothing was changed.");
      return undefined;
    }
    const rb: RollbackRecord = { startedAt: ctx.clock.now().toISOString(), freeze: plan.record };
    win.rollback = rb;
    await ctx.save();
    const progress: Progress = {};
    try {
      await runRollbackWindow(ctx, { old, aurora }, plan, rb, progress);
    } catch (err) {
      throw await undoRollback(ctx, err, progress);
    }
    await stopReverse(ctx, deps, rb);
    reporter.success("Switched back to the old server; nothing written on Aurora was lost.");
    for (const line of switchedBackLines(ctx, rb)) reporter.info(line);
    return rb;
  } finally {
    await old.end().catch(() => undefined);
    await aurora?.end().catch(() => undefined);
  }
}

/** The rollback's write window: freeze → drain → sequences → the old server's unfreeze → switch-back hook, each recorded first. */
async function runRollbackWindow(ctx: StepContext, db: { old: PgClient; aurora: PgClient }, plan: Plan, rb: RollbackRecord, progress: Progress): Promise<void> {
  const { reporter, clock } = ctx;
  const now = (): number => clock.now().getTime();
  const t0 = now();
  const window: Window = { freezeMs: 0 };
  rb.window = window;
  const freezing = reporter.spinner("Freezing the app's writes on Aurora");
  await failingSpinner(freezing, () => applyFreeze(freezeIo(ctx, db.aurora, plan.hookTimeoutSeconds), plan.record, { signal: ctx.signal }));
  freezing.succeed(`Writes frozen on Aurora${plan.record.terminated.length ? ` (${plan.record.terminated.length} session(s) ended)` : ""}`);
  const t1 = now();
  window.freezeMs = t1 - t0;
  throwIfAborted(ctx.signal);

  const marker = await writeMarker(db.aurora);
  rb.marker = { ...marker, writtenAt: clock.now().toISOString() };
  await ctx.save();
  const draining = reporter.spinner(`Waiting for the marker (row ${marker.id}) on the old server`);
  let seen: Date;
  try {
    seen = await failingSpinner(draining, () => waitForMarker(db.old, marker, { clock, signal: ctx.signal, timeoutSeconds: plan.drainTimeoutSeconds, spinner: draining }));
  } catch (err) {
    if (err instanceof OperationError && /did not reach the target/.test(err.message)) {
      throw new OperationError(`The marker written on Aurora after its freeze did not reach the old server within ${plan.drainTimeoutSeconds} s.`, {
        cause: err,
        hint: `The reverse task is behind or stopped: check \`${commandFor("status", ctx.options)}\` and its log, then run the rollback again (raise ${Q.drainTimeout} for a slow task).`,
      });
    }
    throw err;
  }
  rb.marker.seenAt = seen.toISOString();
  window.drainMs = seen.getTime() - t1;
  draining.succeed(`The old server has every write made on Aurora before the freeze (${window.drainMs} ms after it)`);
  throwIfAborted(ctx.signal);

  const tk = now();
  const keyChanges = await repairAtRollback(ctx, db.aurora, db.old);
  if (keyChanges) {
    rb.keyChanges = keyChanges;
    window.keyChangesMs = now() - tk;
    await ctx.save();
  }
  throwIfAborted(ctx.signal);

  const t2 = now();
  const seq = await syncSequences({ source: db.aurora, target: db.old, schemas: plan.schemas });
  rb.sequences = `${seq.entries.length} sequence(s) checked, ${seq.moved} moved forward${seq.missingOnTarget ? `, ${seq.missingOnTarget} missing on the old server` : ""}`;
  window.sequencesMs = now() - t2;
  reporter.success(`Sequences synced back: ${rb.sequences}`);
  for (const e of seq.entries.filter((x) => x.action === "out-of-range")) reporter.warn(`Sequence ${e.schema}.${e.name} was not set on the old server: ${e.reason ?? "out of range"}.`);
  throwIfAborted(ctx.signal);

  const t3 = now();
  progress.sourceUnfreezeStarted = true;
  rb.sourceUnfreezeStartedAt = clock.now().toISOString();
  await ctx.save();
  await liftRecordedFreeze(ctx);
  rb.sourceUnfrozenAt = clock.now().toISOString();
  window.unfreezeMs = now() - t3;
  reporter.success("The old server's freeze for the app is lifted");
  throwIfAborted(ctx.signal);

  const t4 = now();
  rb.switchBack = { hook: plan.switchBackHook, startedAt: clock.now().toISOString() };
  await ctx.save();
  progress.switchStarted = true;
  reporter.info("Running your switch-back command:");
  await runDatabaseHook(ctx, "source", plan.switchBackHook, "switch-back hook", {
    signal: ctx.signal,
    timeoutSeconds: plan.hookTimeoutSeconds,
    hint: `Its output is above: fix the command (${RQ.switchBackHook}), then run \`${commandFor("rollback", ctx.options)}\` again.`,
  });
  const t5 = now();
  window.hookMs = t5 - t4;
  window.totalMs = t5 - t0;
  rb.windowMs = window.totalMs;
  rb.switchBack.finishedAt = new Date(t5).toISOString();
  rb.outcome = "switched-back";
  await ctx.save();
}

/** A switch-back recorded as started and never finished: never undone by itself; --switched (or a "yes") finishes it. */
async function settlePendingSwitchBack(
  ctx: StepContext,
  deps: RollbackDeps,
  rb: RollbackRecord,
  pending: NonNullable<RollbackRecord["switchBack"]>,
  o: RollbackRunOptions,
): Promise<RollbackRecord> {
  ctx.reporter.warn(`The switch-back command started at ${pending.startedAt} and its end was never recorded (the tool was stopped while it ran). The app may already be on the old server.`);
  let confirmed = o.switched === true;
  if (!confirmed && !ctx.options.yes) {
    confirmed = await askSwitchBackHappened(ctx.prompter);
    delete ctx.state.answers[RQ.switchBackHappened];
  }
  if (!confirmed) {
    throw new BlockedError("A switch-back to the old server was started and may have happened; nothing is undone. Nothing was changed.", { hint: twoExits(ctx) });
  }
  if (ctx.options.dryRun) {
    ctx.reporter.info("Dry run: the switch-back would be recorded as done and the reverse task stopped; nothing was changed.");
    return rb;
  }
  pending.finishedAt = ctx.clock.now().toISOString();
  pending.confirmedByUser = true;
  rb.outcome = "switched-back";
  await ctx.save();
  await stopReverse(ctx, deps, rb);
  ctx.reporter.success("The switch-back is recorded as done, as you confirmed.");
  for (const line of switchedBackLines(ctx, rb)) ctx.reporter.info(line);
  return rb;
}
