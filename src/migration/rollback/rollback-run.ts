import type { PgClient } from "../../adapters/postgres/connect.js";
import { ensureMarkerTable } from "../../adapters/postgres/marker.js";
import { untilAborted } from "../../core/abort.js";
import { throwIfAborted } from "../../core/clock.js";
import { AppError, BlockedError, InterruptedError, OperationError, UsageError, errorMessage, isAbort } from "../../core/errors.js";
import { commandFor } from "../../state/paths.js";
import { failingSpinner } from "../../ui/reporter.js";
import { chosenSchemas } from "../chosen-schemas.js";
import { openDatabase } from "../connections.js";
import type { StepContext } from "../context.js";
import { HookTimeoutError, runDatabaseHook } from "../database-hook.js";
import { markerTableExists, waitForMarker, writeMarker } from "../cutover/drain.js";
import { readFreezeFacts } from "../cutover/freeze-facts.js";
import { applySql, planFreeze } from "../cutover/freeze-plan.js";
import { applyFreeze, liftFreeze } from "../cutover/freeze.js";
import { cutoverOutput } from "../cutover/output.js";
import { Q } from "../cutover/questions.js";
import type { FreezeRecord } from "../cutover/record.js";
import { liftRecordedFreeze } from "../cutover/run-cutover.js";
import { freezeIo } from "../cutover/window.js";
import { syncSequences } from "../sequences/sync.js";
import { rollbackWindowOutput } from "./output.js";
import type { RollbackRecord } from "./record.js";
import type { RollbackDeps } from "./rollback-deps.js";
import { rollbackVerdict } from "./rollback-preconditions.js";
import { GO_ON_WITHOUT_WINDOW } from "./prepare-reverse.js";
import { repairAtRollback } from "./reverse-key-changes.js";
import { recordRollbackCheckReadings } from "./finish-readings.js";
import { RQ, askRollbackLatency, askSwitchBackHappened, askSwitchBackHook } from "./rollback-questions.js";

type Window = NonNullable<RollbackRecord["window"]>;

/** How far a rollback got: what undoing it needs to know. */
interface Progress {
  /** The old server's freeze started to be lifted: a failure must re-apply it before Aurora's is lifted. */
  sourceUnfreezeStarted?: boolean;
  /** The switch-back was recorded as started: from here only the hook's own non-zero exit undoes anything. */
  switchStarted?: boolean;
}

interface Plan {
  record: FreezeRecord;
  switchBackHook: string;
  schemas: string[];
  drainTimeoutSeconds: number;
  hookTimeoutSeconds: number;
}

const numberAnswer = (ctx: StepContext, id: string, fallback: number): number => {
  const v = ctx.state.answers[id];
  return typeof v === "number" ? v : fallback;
};
const hookTimeout = (ctx: StepContext): number => numberAnswer(ctx, Q.hookTimeout, 300);

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
async function backToWindow(ctx: StepContext, failure: string): Promise<void> {
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

function pendingSwitchBack(ctx: StepContext): NonNullable<RollbackRecord["switchBack"]> | undefined {
  const s = rollbackWindowOutput(ctx).rollback?.switchBack;
  return s && !s.finishedAt && !s.abandonedAt ? s : undefined;
}

function twoExits(ctx: StepContext): string {
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

function assertWindowOpen(ctx: StepContext): void {
  const report = cutoverOutput(ctx).report;
  if (report?.outcome !== "switched") {
    throw new BlockedError("No switched cutover is recorded: the app was never moved to Aurora, so there is nothing to roll back. Nothing was changed.", {
      hint: `Run \`${commandFor("cutover", ctx.options)}\` first; before it, the old server is where the app writes.`,
    });
  }
  const win = rollbackWindowOutput(ctx);
  if (win.finishedAt) {
    throw new BlockedError(`The rollback window was ended at ${win.finishedAt} (\`aurora-migrate finish\`): nothing carries Aurora's writes back to the old server any more. Nothing was changed.`, {
      hint: "Going back now loses what was written on Aurora since; migrate back the other way instead.",
    });
  }
  const declined = !win.openedAt && !win.reverseStartRequestedAt && !win.slot ? whyNoWindow(ctx) : undefined;
  if (declined) {
    throw new BlockedError(`No rollback window: ${declined}, so nothing carries Aurora's writes back to the old server. Nothing was changed.`, {
      hint: "Going back now would lose what was written on Aurora since the switch: to return, migrate the other way (Aurora as the source), or keep the app on Aurora.",
    });
  }
  if (!win.openedAt) {
    throw new BlockedError("No rollback window is open: the reverse DMS task was never seen running after the cutover. Nothing was changed.", {
      hint:
        win.reverseStartRequestedAt || win.slot
          ? `The cutover prepared it but did not see it run: \`${commandFor("status", ctx.options)}\` shows the reverse task; run the cutover again to resume it (\`${commandFor("cutover", ctx.options)}\`).`
          : "The rollback window is prepared by the cutover when rollback.window is yes (asked in step 2). Without it, going back loses what was written on Aurora since the switch.",
    });
  }
}

/** Why the migration has no rollback window by the user's own answers, or undefined. */
function whyNoWindow(ctx: StepContext): string | undefined {
  if (ctx.state.answers["rollback.window"] === false) return "it was declined at step 2 (rollback.window: no)";
  if (ctx.state.answers[GO_ON_WITHOUT_WINDOW] === true) return `the cutover went on without one when its reverse path could not be prepared (${GO_ON_WITHOUT_WINDOW}: yes)`;
  return undefined;
}

/** Preconditions, the freeze's plan on Aurora, the hook and the confirmation. Undefined on --dry-run. Nothing is changed (but the marker table created on Aurora when missing). */
async function prepareRollback(ctx: StepContext, deps: RollbackDeps, old: PgClient, aurora: PgClient): Promise<Plan | undefined> {
  const { reporter, prompter } = ctx;
  const sourceFreeze = cutoverOutput(ctx).freeze;
  if (!sourceFreeze || sourceFreeze.method !== "roles") {
    throw new BlockedError(
      `The cutover ${sourceFreeze?.method === "hook" ? "froze the old server with your own commands" : "did not freeze the old server"}, so the tool does not know the app's roles to freeze on Aurora. Nothing was changed.`,
      { hint: "The rollback freezes Aurora by the app's roles, as the cutover froze the old server (cutover.freezeMethod roles)." },
    );
  }
  if (sourceFreeze.status !== "applied") {
    throw new BlockedError(`The old server's freeze for the app is ${sourceFreeze.status}, not in force: the app may already write there. Nothing was changed.`, {
      hint: `Point the app at Aurora only, then \`${commandFor("rollback", ctx.options)} --unfreeze\` restores the window (the old server frozen again).`,
    });
  }
  const maxLatencySeconds = await askRollbackLatency(prompter);
  const spinner = reporter.spinner("Checking the reverse task and its latency");
  const verdict = await failingSpinner(
    spinner,
    async () => {
      const reverseTaskStatus = await deps.reverseTaskStatus();
      const cdcLatencySeconds = await deps.reverseLatencySeconds();
      // What `status` shows of the window (it never connects): recorded here, where the tool reads it anyway.
      await recordRollbackCheckReadings(ctx, aurora, reverseTaskStatus, cdcLatencySeconds);
      return rollbackVerdict({ reverseTaskStatus, cdcLatencySeconds, latencyThresholdSeconds: maxLatencySeconds });
    },
    "Could not check the rollback's preconditions",
  );
  if (!verdict.ready) {
    spinner.fail("The rollback cannot start yet");
    throw new BlockedError(`The rollback cannot start: ${verdict.problems.length} problem(s). Nothing was changed.`, {
      details: verdict.problems.map((p) => `- ${p}`),
      hint: `Fix them and run \`${commandFor("rollback", ctx.options)}\` again.`,
    });
  }
  spinner.succeed("The reverse task runs and its latency is under the threshold");

  const facts = await readFreezeFacts(aurora);
  const missing = sourceFreeze.roles.filter((r) => !facts.roles.some((f) => f.name === r));
  if (missing.length) {
    throw new BlockedError(`The app's role(s) ${missing.join(", ")}, frozen on the old server by the cutover, do not exist on Aurora, so the app cannot be writing there with them. Nothing was changed.`, {
      hint: "Check which roles the app uses on Aurora; the rollback freezes the ones the cutover froze.",
    });
  }
  const freeze = planFreeze(facts, sourceFreeze.roles);
  for (const w of freeze.warnings) reporter.warn(w);
  if (freeze.problems.length) {
    throw new BlockedError("The write freeze on Aurora cannot be made. Nothing was changed.", {
      details: freeze.problems.map((p) => `- ${p.replace("on the source", "on Aurora")}`),
      hint: "Run the rollback as Aurora's master user (the database owner), or give the tool's login CREATEROLE.",
    });
  }
  const record: FreezeRecord = {
    method: "roles",
    database: facts.database,
    roles: [...sourceFreeze.roles],
    changes: freeze.changes.map((change) => ({ change, status: "planned" as const })),
    status: "applying",
    terminated: [],
  };
  const schemas = await chosenSchemas(ctx, old);
  const switchBackHook = await askSwitchBackHook(prompter);
  const drainTimeoutSeconds = numberAnswer(ctx, Q.drainTimeout, 600);
  const hookTimeoutSeconds = hookTimeout(ctx);
  const markers = { aurora: await markerTableExists(aurora), old: await markerTableExists(old) };
  const consequences = [
    ...(markers.aurora && markers.old ? [] : [`First the marker table aurora_migrate.cutover_marker is created on ${[markers.aurora ? "" : "Aurora", markers.old ? "" : "the old server"].filter(Boolean).join(" and ")}.`]),
    `Writes on Aurora (${facts.database}) stop for ${record.roles.join(", ")}: they lose access and their sessions there are ended. Run on Aurora, in one transaction:`,
    ...freeze.changes.map((c) => `  ${applySql(c, facts.database)};`),
    `Then a marker row is written on Aurora and awaited on the old server (at most ${drainTimeoutSeconds} s), the rows whose primary key changed on Aurora are re-copied onto it, the old server's sequences are moved to Aurora's positions (never backwards), the old server's freeze is lifted, and your switch-back command runs:`,
    `  ${switchBackHook}`,
    "If anything fails before it starts, or it exits non-zero, Aurora's freeze is lifted and the old server frozen again: the app stays on Aurora, the window open.",
    "If it is ended (time limit, Ctrl-C) or the tool is killed while it runs, nothing is undone: settle it with `rollback --switched` or `rollback --unfreeze`.",
    "After it: the reverse task is stopped; Aurora stays frozen for the app.",
  ];
  if (ctx.options.dryRun) {
    for (const line of consequences) reporter.info(line);
    return undefined;
  }
  const go = await prompter.confirmDestructive({ id: "rollback.confirmFreeze", message: "Freeze the app's writes on Aurora and switch it back to the old server now?", consequences });
  if (!go) throw new OperationError("Rollback cancelled. Nothing was changed.");
  // Created only when missing, before the freeze (DDL on Aurora reaches the reverse task's slot as any change).
  if (!markers.aurora) await ensureMarkerTable(aurora);
  if (!markers.old) await ensureMarkerTable(old);
  return { record, switchBackHook, schemas, drainTimeoutSeconds, hookTimeoutSeconds };
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

/**
 * After a failure in the rollback's window: a hook the tool had to end (time limit, Ctrl-C)
 * keeps everything and says how to settle it; anything else (the hook's non-zero exit
 * included) re-freezes the old server if its freeze was being lifted, then lifts Aurora's.
 */
async function undoRollback(ctx: StepContext, err: unknown, progress: Progress): Promise<unknown> {
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
