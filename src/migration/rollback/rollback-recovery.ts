/**
 * How a rollback is undone or settled (issue 14 item 4): back to the window (the old server
 * frozen again before Aurora's freeze is lifted, so the app never has two writable databases),
 * `rollback --unfreeze`, and the failures of a rollback in its window.
 */
import type { PgClient } from "../../adapters/postgres/connect.js";
import { AppError, InterruptedError, OperationError, errorMessage, isAbort } from "../../core/errors.js";
import { commandFor } from "../../state/paths.js";
import { openDatabase } from "../connections.js";
import type { StepContext } from "../context.js";
import { HookTimeoutError } from "../database-hook.js";
import { applyFreeze, liftFreeze } from "../cutover/freeze.js";
import { cutoverOutput } from "../cutover/output.js";
import { Q } from "../cutover/questions.js";
import { freezeIo } from "../cutover/window.js";
import { rollbackWindowOutput } from "./output.js";
import type { RollbackRecord } from "./record.js";

/** How far a rollback got: what undoing it needs to know. */
export interface Progress {
  /** The old server's freeze started to be lifted: a failure must re-apply it before Aurora's is lifted. */
  sourceUnfreezeStarted?: boolean;
  /** The switch-back was recorded as started: from here only the hook's own non-zero exit undoes anything. */
  switchStarted?: boolean;
}

export const numberAnswer = (ctx: StepContext, id: string, fallback: number): number => {
  const v = ctx.state.answers[id];
  return typeof v === "number" ? v : fallback;
};
export const hookTimeout = (ctx: StepContext): number => numberAnswer(ctx, Q.hookTimeout, 300);

async function withDatabase<T>(ctx: StepContext, role: "source" | "target", work: (c: PgClient) => Promise<T>): Promise<T> {
  const c = await openDatabase(ctx, role);
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Lifts the rollback's freeze on Aurora if one is (or may be) in place. */
async function liftAuroraFreeze(ctx: StepContext): Promise<boolean> {
  const record = rollbackWindowOutput(ctx).rollback?.freeze;
  if (!record || record.status === "lifted") return false;
  await withDatabase(ctx, "target", (aurora) => liftFreeze(freezeIo(ctx, aurora, hookTimeout(ctx)), record));
  return true;
}

/** Re-applies the cutover's freeze on the old server (every change planned again, then applied), unless it is in force. */
async function refreezeOldServer(ctx: StepContext): Promise<boolean> {
  const record = cutoverOutput(ctx).freeze;
  if (!record || record.method !== "roles" || record.status === "applied") return false;
  record.status = "applying";
  for (const entry of record.changes) entry.status = "planned";
  delete record.liftedAt;
  await ctx.save();
  await withDatabase(ctx, "source", (old) => applyFreeze(freezeIo(ctx, old, hookTimeout(ctx)), record));
  const rb = rollbackWindowOutput(ctx).rollback;
  if (rb) rb.sourceRefrozenAt = ctx.clock.now().toISOString();
  await ctx.save();
  return true;
}

/**
 * Back to the window (the app on Aurora, the old server frozen for it): the old server's freeze
 * first, then Aurora's lifted, so the app never has two writable databases. Recorded as aborted.
 */
export async function backToWindow(ctx: StepContext, failure: string): Promise<void> {
  await refreezeOldServer(ctx);
  await liftAuroraFreeze(ctx);
  const rb = rollbackWindowOutput(ctx).rollback;
  if (rb && !rb.outcome) {
    rb.outcome = "aborted";
    rb.failure = failure;
    rb.finishedAt = ctx.clock.now().toISOString();
  }
  await ctx.save();
}

export function pendingSwitchBack(ctx: StepContext): NonNullable<RollbackRecord["switchBack"]> | undefined {
  const s = rollbackWindowOutput(ctx).rollback?.switchBack;
  return s && !s.finishedAt && !s.abandonedAt ? s : undefined;
}

export function twoExits(ctx: StepContext): string {
  return [
    "Aurora stays frozen for the app and the old server takes writes: the app may be on either, and the tool will not guess.",
    "Check where the app points, then either:",
    `- it is on the old server: \`${commandFor("rollback", ctx.options)} --switched\` records the switch-back as done (then stops the reverse task);`,
    `- it is still on Aurora: \`${commandFor("rollback", ctx.options)} --unfreeze\` freezes the old server again and lifts Aurora's freeze (the window stays open).`,
  ].join("\n");
}

/**
 * `rollback --unfreeze`. A switch-back left pending (killed while the hook ran), or a rollback
 * that stopped before its hook: the app is on Aurora, so the old server is frozen again and
 * Aurora's freeze lifted (the window stays open). After a rollback that switched back: Aurora's
 * freeze is lifted, nothing else. Returns whether anything was lifted.
 */
export async function rollbackUnfreeze(ctx: StepContext): Promise<boolean> {
  const rb = rollbackWindowOutput(ctx).rollback;
  if (!rb?.freeze || rb.freeze.status === "lifted") return false;
  if (rb.outcome === "switched-back") {
    ctx.reporter.warn("The app switched back to the old server: make sure nothing of it still points at Aurora, which now takes its writes again.");
    return liftAuroraFreeze(ctx);
  }
  const pending = pendingSwitchBack(ctx);
  if (pending) {
    ctx.reporter.warn(`A switch-back started at ${pending.startedAt} was never recorded as finished: as you say, the app is on Aurora.`);
    pending.abandonedAt = ctx.clock.now().toISOString();
  }
  await backToWindow(ctx, pending ? "the switch-back did not finish; undone with rollback --unfreeze" : (rb.failure ?? "stopped before the switch-back; undone with rollback --unfreeze"));
  ctx.reporter.info("The old server is frozen for the app again and Aurora takes its writes: the rollback window is open as before.");
  return true;
}

/**
 * After a failure in the rollback's window: a hook the tool had to end (time limit, Ctrl-C)
 * keeps everything and says how to settle it; anything else (the hook's non-zero exit
 * included) re-freezes the old server if its freeze was being lifted, then lifts Aurora's.
 */
export async function undoRollback(ctx: StepContext, err: unknown, progress: Progress): Promise<unknown> {
  const rb = rollbackWindowOutput(ctx).rollback!;
  const interrupted = isAbort(err) || ctx.signal.aborted;
  if (progress.switchStarted) {
    if (interrupted || err instanceof HookTimeoutError) {
      const what = interrupted ? "The rollback was interrupted while the switch-back command ran" : "The switch-back command did not finish";
      const options = { cause: err, hint: twoExits(ctx), details: err instanceof OperationError ? [err.message, ...err.details] : [] };
      const message = `${what}; it was ended. The app may already point at the old server, so nothing was undone.`;
      return interrupted ? new InterruptedError(message, options) : new OperationError(message, options);
    }
    rb.switchBack!.abandonedAt = ctx.clock.now().toISOString();
  }
  const failure = interrupted ? "interrupted" : errorMessage(err);
  try {
    await backToWindow(ctx, failure);
  } catch (undoErr) {
    const e = undoErr instanceof AppError ? undoErr : new OperationError(errorMessage(undoErr));
    return new OperationError(`The rollback failed (${failure}) and putting things back failed too: ${e.message}`, {
      cause: err,
      details: e.details,
      hint: [e.hint, `Then \`${commandFor("rollback", ctx.options)} --unfreeze\` records it (the app on Aurora, the old server frozen).`].filter(Boolean).join("\n"),
    });
  }
  const back = `Aurora's freeze was lifted${progress.sourceUnfreezeStarted ? " and the old server frozen again" : ""}: the app keeps writing on Aurora, the rollback window stays open.`;
  ctx.reporter.warn(`Rollback undone: ${failure}`);
  if (interrupted) return new InterruptedError("Interrupted: the rollback stopped before the switch-back.", { hint: `${back}\nRun \`${commandFor("rollback", ctx.options)}\` again when ready.` });
  if (err instanceof AppError) return Object.assign(err, { hint: [err.hint, back].filter(Boolean).join("\n") });
  return new OperationError(`The rollback failed: ${failure}`, { cause: err, hint: back });
}
