import type { PgClient } from "../../adapters/postgres/connect.js";
import { ensureMarkerTable } from "../../adapters/postgres/marker.js";
import { AppError, BlockedError, InterruptedError, OperationError, UsageError, errorMessage, isAbort } from "../../core/errors.js";
import { type StepContext } from "../context.js";
import { untilAborted } from "../../core/abort.js";
import { commandFor } from "../../state/paths.js";
import { openDatabase } from "../connections.js";
import { HookTimeoutError } from "../database-hook.js";
import type { CutoverDeps } from "./deps.js";
import { markerTableExists } from "./drain.js";
import { liftFreeze } from "./freeze.js";
import { prepareCutover } from "./prepare.js";
import { Q } from "./questions.js";
import { type CutoverReport } from "./record.js";
import { cutoverOutput } from "./output.js";
import { reportLines, rolledBackReport, switchedReport, verificationLines } from "./report.js";
import { pendingSwitch, settlePendingSwitch, switchUnsettledError } from "./switch-record.js";
import { verifyAfterSwitch } from "./verify-after-switch.js";
import { openRollbackWindow, releaseForwardSlot, reverseUndoOwed, undoBeforeSwitch, windowOpenOwed } from "../rollback/open-window.js";
import { rollbackWindowOpen } from "../rollback/output.js";
import { type WindowProgress, freezeIo, runWindow } from "./window.js";

/** Lifts the freeze recorded in the state, if one is still (or may still be) in place. */
export async function liftRecordedFreeze(ctx: StepContext): Promise<boolean> {
  const record = cutoverOutput(ctx).freeze;
  if (!record || record.status === "lifted") return false;
  const timeout = ctx.state.answers[Q.hookTimeout];
  const source = await openDatabase(ctx, "source");
  try {
    await liftFreeze(freezeIo(ctx, source, typeof timeout === "number" ? timeout : 300), record);
  } finally {
    await source.end().catch(() => undefined);
  }
  return true;
}

/**
 * `cutover --unfreeze`: lifts the recorded freeze. A switch left pending by a crash is recorded
 * as abandoned (the user checked the app is not on the target), so the next cutover starts anew.
 */
export async function unfreezeCommand(ctx: StepContext): Promise<boolean> {
  const pending = pendingSwitch(ctx);
  if (pending) ctx.reporter.warn(`A switch started at ${pending.startedAt} was never recorded as finished: make sure the app is on the source before it takes writes again.`);
  const lifted = await liftRecordedFreeze(ctx);
  if (pending) {
    pending.abandonedAt = ctx.clock.now().toISOString();
    const out = cutoverOutput(ctx);
    out.report = rolledBackReport(out.freeze?.frozenAt ?? pending.startedAt, pending.abandonedAt, "the switch did not finish; the freeze was lifted with cutover --unfreeze", out.marker?.seenAt);
    await ctx.save();
  }
  return lifted;
}

export interface CutoverRunOptions {
  /** --switched: the user confirms that a switch left unfinished by a crash did happen. */
  switched?: boolean;
}

/**
 * The cutover (step 12; README, "Cutover and cleanup"): preconditions and everything the window needs, prepared;
 * the write window (window.ts); the report; then, with the app already on the target, the
 * comparison of the frozen source with the target as of the drain. Anything failing before
 * the switch hook starts, or the hook exiting non-zero, lifts the freeze (on Ctrl-C too); a
 * hook the tool had to end (time limit, Ctrl-C) or a crash while it ran keeps the freeze.
 * Returns undefined on --dry-run.
 */
export async function runCutover(ctx: StepContext, deps: CutoverDeps, o: CutoverRunOptions = {}): Promise<CutoverReport | undefined> {
  const { reporter } = ctx;
  const out = cutoverOutput(ctx);
  if (out.report?.outcome === "switched") {
    reporter.success(`The cutover already switched the app at ${out.report.switchedAt ?? "an earlier run"}.`);
    if (out.report.verification?.result === "differ") for (const line of verificationLines(out.report.verification)) reporter.warn(line);
    // The switch is done but the rollback window never opened (a failure or crash after the switch): open it now.
    if (windowOpenOwed(ctx)) await openRollbackWindow(ctx);
    // Open, but DMS's forward slot still on the old server (its question unanswered, or declined): asked again.
    else if (rollbackWindowOpen(ctx)) await releaseForwardSlot(ctx);
    return out.report;
  }
  const pending = pendingSwitch(ctx);
  if (pending) {
    const settled = await settlePendingSwitch(ctx, pending, o);
    if (windowOpenOwed(ctx)) await openRollbackWindow(ctx);
    return settled;
  }
  if (o.switched) {
    throw new UsageError("--switched confirms a switch left unfinished by an interrupted cutover, and none is recorded. Nothing was changed.", {
      hint: `Run \`${commandFor("cutover", ctx.options)}\` to cut over.`,
    });
  }
  // An earlier cutover stopped before the switch with the rollback window half made: undone first, as its freeze.
  if (reverseUndoOwed(ctx)) {
    reporter.warn("An earlier, unfinished cutover left the forward DMS task stopped or a slot on Aurora: undoing that first.");
    await undoBeforeSwitch(ctx);
  }
  if (await liftRecordedFreeze(ctx)) reporter.warn("A write freeze left by an earlier, unfinished cutover was lifted first.");

  const source = await openDatabase(ctx, "source");
  let target: PgClient | undefined;
  let holder: PgClient | undefined;
  try {
    target = await openDatabase(ctx, "target");
    const plan = await untilAborted(prepareCutover(ctx, deps, source, target), ctx.signal);
    // Kept: where a dry run of the cutover ends, once its plan is shown.
    if (ctx.options.dryRun) {
      reporter.info("Dry run: nothing was changed.");
      return undefined;
    }
    // Created only when missing: DDL on the source goes through DMS's DDL capture.
    if (!(await markerTableExists(source))) await ensureMarkerTable(source);
    // The session that will hold the target's snapshot, open before the freeze.
    if (plan.verify !== "none") holder = await openDatabase(ctx, "target");
    delete out.report;
    delete out.marker;
    delete out.switch;
    out.freeze = plan.record;
    const progress: WindowProgress = {};
    let result;
    try {
      result = await runWindow(ctx, { source, target, holder }, plan, progress);
    } catch (err) {
      throw await rollBack(ctx, err, progress);
    }
    const report = switchedReport(result);
    out.report = report;
    await ctx.save();
    for (const line of reportLines(report)) reporter.info(line);
    for (const w of result.sequenceWarnings) reporter.warn(w);
    if (plan.record.method !== "none") reporter.info("The source stays frozen so nothing writes to the old server by mistake; `aurora-migrate cutover --unfreeze` lifts it (to roll back).");
    // After the switch, outside the window: the reverse task starts. A failure here does not undo the switch.
    let windowError: Error | undefined;
    if (plan.reverse) {
      try {
        await openRollbackWindow(ctx);
      } catch (err) {
        windowError = err instanceof Error ? err : new OperationError(errorMessage(err));
        reporter.warn(errorMessage(err));
        if (err instanceof AppError && err.hint) reporter.warn(err.hint);
      }
    }

    if (plan.verify === "none" || !result.snapshotId) {
      report.verification = { mode: "none", result: "skipped", differences: [] };
      await ctx.save();
      if (windowError) throw windowError;
      return report;
    }
    const spinner = reporter.spinner(`The app is on the target; comparing the frozen source with the target as of the drain (${plan.verify === "checksum" ? "counts and checksums" : "exact counts"})`);
    const verification = await verifyAfterSwitch(ctx, { mode: plan.verify, snapshotId: result.snapshotId, schemas: plan.schemas });
    report.verification = verification;
    await ctx.save();
    const lines = verificationLines(verification);
    if (verification.result === "equal") spinner.succeed(lines[0]);
    else spinner.fail(lines[0]);
    const back = `The app is already on the target. The source is still frozen and intact: to go back, point the app at the source again, then run \`${commandFor("cutover", ctx.options)} --unfreeze\`.`;
    if (verification.result === "differ") {
      throw new BlockedError(`After the switch, ${verification.differences.length} table(s) differ between the frozen source and the target as of the drain: rows DMS did not carry over.`, {
        details: verification.differences.map((d) => `- ${d}`),
        hint: `${back}\nOr keep the target and repair those tables from the source (aurora-migrate validate --checksum shows the state now).`,
      });
    }
    if (verification.result === "failed") {
      if (verification.error === "interrupted") throw new InterruptedError("Interrupted during the comparison after the switch; the app is on the target and the switch is recorded.", { hint: back });
      throw new OperationError(`The switch succeeded, but the comparison after it could not run: ${verification.error ?? "unknown error"}.`, {
        hint: `Compare the tables yourself (aurora-migrate validate). ${back}`,
      });
    }
    if (windowError) throw windowError;
    return report;
  } finally {
    await holder?.end().catch(() => undefined);
    await source.end().catch(() => undefined);
    await target?.end().catch(() => undefined);
  }
}

/**
 * After a failure in the window: a switch hook the tool had to end (time limit, Ctrl-C) keeps
 * the freeze and says how to settle it; anything else lifts the freeze and records the
 * rollback. Returns the error to throw.
 */
async function rollBack(ctx: StepContext, err: unknown, progress: WindowProgress): Promise<unknown> {
  const out = cutoverOutput(ctx);
  const interrupted = isAbort(err) || ctx.signal.aborted;
  if (progress.switchStarted) {
    if (interrupted || err instanceof HookTimeoutError) return switchUnsettledError(ctx, err, interrupted);
    // The hook ran and exited non-zero: it says the switch failed, so the source takes writes again.
    out.switch!.abandonedAt = ctx.clock.now().toISOString();
  }
  const failure = interrupted ? "interrupted" : errorMessage(err);
  // The rollback window's half: the Aurora slot dropped and the forward task resumed, before the source takes writes again.
  let undoError: unknown;
  if (reverseUndoOwed(ctx)) {
    try {
      await undoBeforeSwitch(ctx);
    } catch (e) {
      undoError = e;
    }
  }
  try {
    await liftRecordedFreeze(ctx);
  } catch (liftErr) {
    const e = liftErr instanceof AppError ? liftErr : new OperationError(errorMessage(liftErr));
    return new OperationError(`The cutover failed (${failure}) and lifting the write freeze failed too: ${e.message}`, {
      cause: err,
      details: e.details,
      ...(e.hint ? { hint: e.hint } : {}),
    });
  }
  const report = rolledBackReport(progress.frozeAt ?? ctx.clock.now().toISOString(), ctx.clock.now().toISOString(), failure, progress.drainedAt, progress.window);
  out.report = report;
  await ctx.save();
  for (const line of reportLines(report)) ctx.reporter.warn(line);
  const undone = undoError
    ? `\nBut undoing the rollback window's preparation failed (${errorMessage(undoError)}): run \`${commandFor("cutover", ctx.options)}\` again, which first drops the Aurora slot and resumes the forward DMS task.`
    : "";
  const lifted = `The write freeze was lifted: the source takes writes as before, and the app was not switched.${undone}`;
  if (interrupted) {
    return new InterruptedError("Interrupted: the cutover stopped before the switch.", { hint: `${lifted}\nRun \`${commandFor("cutover", ctx.options)}\` again when ready.` });
  }
  if (err instanceof AppError) return Object.assign(err, { hint: [err.hint, lifted].filter(Boolean).join("\n") });
  return new OperationError(`The cutover failed: ${failure}`, { cause: err, hint: lifted });
}
