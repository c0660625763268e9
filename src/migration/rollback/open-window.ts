/**
 * The rollback window at the cutover (issue 14, item 3; design in README "Rollback window"):
 * inside the write window, after the sequences, the forward task is stopped (it would carry the
 * reverse task's writes on the old server back to Aurora: a loop) and the Aurora slot created
 * (everything written on Aurora from then on is kept for the reverse task); after the switch,
 * the reverse task starts from the slot's LSN and the window is open. Before the switch, a
 * failure undoes both (slot dropped, forward task resumed); each step is recorded before and
 * after it happens, so a crash is undone, or finished, by the next `cutover`.
 */
import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices, ReplicationTask } from "../../adapters/aws/ports.js";
import type { PgClient } from "../../adapters/postgres/connect.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { commandFor } from "../../state/paths.js";
import type { StepContext } from "../context.js";
import { RESOURCE_KIND } from "../cleanup/kinds.js";
import { dropSlot } from "../cleanup/slot.js";
import { awsFor } from "../aws/context.js";
import { findTask } from "../aws/lookups.js";
import { pollUntil } from "../aws/poll.js";
import { RES, recordResource, recorded } from "../aws/resources.js";
import { openDatabase } from "../connections.js";
import { readOutput } from "../outputs/read.js";
import { rollbackWindowOutput } from "./output.js";
import type { ReversePath } from "./prepare-reverse.js";

export const WINDOW_OPEN_TEXT =
  "Rollback window open: every write on Aurora flows back to the old server; `aurora-migrate rollback` goes back, `aurora-migrate finish` ends the window";

/** A task's status now (undefined when DMS no longer has it). */
async function statusOf(aws: AwsServices, arn: string): Promise<ReplicationTask | undefined> {
  return findTask(aws, { arn });
}

/**
 * Waits, polling every second (this runs inside the write window, where DMS's own stop time
 * is all the wait should cost), until the task's status is one of `want`.
 */
async function waitForStatus(ctx: StepContext, aws: AwsServices, arn: string, want: readonly string[], what: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<ReplicationTask> {
  const start = ctx.clock.now().getTime();
  for (;;) {
    const t = await statusOf(aws, arn);
    if (!t) throw new OperationError(`${what}: DMS no longer has the task ${arn}.`);
    if (want.includes(t.Status ?? "")) return t;
    if (t.Status === "failed" && !want.includes("failed")) throw new OperationError(`${what}: the task failed: ${t.LastFailureMessage ?? "no message"}`);
    if (ctx.clock.now().getTime() - start > timeoutMs) throw new OperationError(`${what}: the task is still ${t.Status ?? "?"} after ${Math.round(timeoutMs / 1000)} s.`);
    await ctx.clock.sleep(1_000, signal);
  }
}

/**
 * In the window: stops the forward task and waits until DMS says it is stopped. Recorded
 * (forwardStop.requestedAt) before the request, stoppedAt after.
 */
export async function stopForwardTask(ctx: StepContext, reverse: ReversePath): Promise<void> {
  const aws = await awsFor(ctx);
  const w = rollbackWindowOutput(ctx);
  w.forwardStop = { requestedAt: ctx.clock.now().toISOString() };
  await ctx.save();
  try {
    await aws.dms.stopReplicationTask({ ReplicationTaskArn: reverse.forwardTaskArn });
  } catch (err) {
    // Already stopping or stopped: what was wanted.
    if (!isAwsError(err, "InvalidResourceStateFault")) throw err;
  }
  await waitForStatus(ctx, aws, reverse.forwardTaskArn, ["stopped"], "Stopping the forward DMS task", 10 * 60_000, ctx.signal);
  w.forwardStop.stoppedAt = ctx.clock.now().toISOString();
  await ctx.save();
}

/**
 * In the window, after the forward task stopped: the Aurora slot, with test_decoding (what DMS
 * reads). Recorded "creating" (and as a resource, so cleanup knows of it) before, "created" with
 * its LSN after. Returns the LSN.
 */
export async function createAuroraSlot(ctx: StepContext, target: PgClient, reverse: ReversePath): Promise<string> {
  const w = rollbackWindowOutput(ctx);
  w.slot = { name: reverse.slotName, status: "creating" };
  const database = (await target.query<{ d: string }>("SELECT current_database() AS d")).rows[0]?.d ?? "?";
  await recordResource(ctx, RES.auroraSlot, { kind: RESOURCE_KIND.slot, id: reverse.slotName, createdByUs: true, on: "target", database });
  const row = (await target.query<{ lsn: string }>("SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'test_decoding')", [reverse.slotName])).rows[0];
  const lsn = row?.lsn ?? "?";
  w.slot = { name: reverse.slotName, status: "created", lsn, createdAt: ctx.clock.now().toISOString() };
  await ctx.save();
  return lsn;
}

/** Whether the window's pre-switch work was left half done (or undone is still owed): a slot on Aurora, or a forward task stopped and not resumed. */
export function reverseUndoOwed(ctx: StepContext): boolean {
  const w = readOutput(ctx, "rollback-window");
  const slot = w?.slot && w.slot.status !== "dropped";
  const forward = w?.forwardStop && !w.forwardStop.resumedAt;
  return Boolean(slot || forward);
}

/**
 * Never takes the step's signal (as the freeze's lift): an interrupted cutover still undoes this.
 * Before the switch, after a failure (or on the next run after a crash): drops the Aurora slot
 * (recorded "dropping", then "dropped") and resumes the forward task if it was stopped, waiting
 * until it runs (recorded resumedAt). Idempotent: each part is skipped once done.
 */
export async function undoBeforeSwitch(ctx: StepContext, target?: PgClient): Promise<void> {
  const w = rollbackWindowOutput(ctx);
  // --dry-run changes nothing: the slot drop is SQL on Aurora, which no AWS port would plan.
  if (ctx.options.dryRun) {
    ctx.reporter.info(`[dry-run] would undo an unfinished cutover's rollback-window preparation: drop the Aurora slot ${w.slot?.name ?? ""} and resume the forward DMS task.`);
    return;
  }
  if (w.slot && w.slot.status !== "dropped") {
    w.slot.status = "dropping";
    await ctx.save();
    const client = target ?? (await openDatabase(ctx, "target"));
    try {
      await client.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [w.slot.name]);
    } finally {
      if (!target) await client.end().catch(() => undefined);
    }
    w.slot.status = "dropped";
    w.slot.droppedAt = ctx.clock.now().toISOString();
    delete ctx.state.resources[RES.auroraSlot];
    await ctx.save();
    ctx.reporter.info(`Dropped the Aurora slot ${w.slot.name} (the rollback window was not opened).`);
  }
  if (w.forwardStop && !w.forwardStop.resumedAt) {
    const arn = recorded(ctx, RES.task)?.arn;
    if (arn) {
      const aws = await awsFor(ctx);
      let t = await waitForStatus(ctx, aws, arn, ["stopped", "running", "failed", "ready"], "Resuming the forward DMS task", 10 * 60_000, undefined);
      if (t.Status !== "running") {
        await aws.dms.startReplicationTask({ ReplicationTaskArn: arn, StartReplicationTaskType: "resume-processing" });
        t = await waitForStatus(ctx, aws, arn, ["running"], "Resuming the forward DMS task", 10 * 60_000, undefined);
      }
      ctx.reporter.info("The forward DMS task replicates again (resumed where it stopped).");
    }
    w.forwardStop.resumedAt = ctx.clock.now().toISOString();
    await ctx.save();
  }
}

/**
 * Once the window is open, DMS's forward slot on the old server is dead weight (the forward task
 * never resumes after the switch), and it would keep the WAL of every write the reverse task
 * makes there until cleanup: days of a rollback window can fill the old server's disk. Dropped
 * (asked: `rollback.dropForwardSlot`, --yes drops), recorded as deleted like cleanup does; a
 * failure here is said with the SQL and never undoes the open window. A later `cutover` (the
 * switch done, the window open) asks again while the slot is there.
 */
export async function releaseForwardSlot(ctx: StepContext): Promise<void> {
  const rec = ctx.state.resources[RES.slot];
  if (!rec || rec["deletedAt"] !== undefined) return;
  const sql = `SELECT pg_drop_replication_slot('${rec.id.replace(/'/g, "''")}');`;
  if (ctx.options.dryRun) {
    ctx.reporter.info(`[dry-run] would drop DMS's forward slot ${rec.id} on the old server (asked): ${sql}`);
    return;
  }
  const drop = await ctx.prompter.confirmDestructive({
    id: "rollback.dropForwardSlot",
    message: `Drop DMS's forward replication slot ${rec.id} on the old server?`,
    consequences: ["The forward task never resumes after the switch; the slot would keep the WAL of every write the reverse task makes on the old server until cleanup."],
  });
  if (!drop) {
    ctx.reporter.warn(`The forward slot ${rec.id} stays on the old server and keeps WAL for every write flowing back: drop it soon (on the old server: ${sql}), or the old server's disk fills.`);
    return;
  }
  let source: PgClient | undefined;
  try {
    source = await openDatabase(ctx, "source");
    const r = await dropSlot(source, rec.id);
    rec["deletedAt"] = ctx.clock.now().toISOString();
    await ctx.save();
    ctx.reporter.info(r === "dropped" ? `Dropped DMS's forward slot ${rec.id} on the old server (it would keep the WAL of the writes flowing back).` : `DMS's forward slot ${rec.id} was already gone from the old server.`);
  } catch (err) {
    ctx.reporter.warn(`Could not drop the forward slot ${rec.id} on the old server (${errorMessage(err)}); it keeps WAL for every write flowing back: drop it (on the old server: ${sql}).`);
  } finally {
    await source?.end().catch(() => undefined);
  }
}

/** The window was prepared and the slot created, but the reverse task not yet seen running. */
export function windowOpenOwed(ctx: StepContext): boolean {
  const w = readOutput(ctx, "rollback-window");
  return w?.slot?.status === "created" && !w.openedAt && Boolean(recorded(ctx, RES.reverseTask)?.arn);
}

/**
 * After the switch (outside the write window): starts the reverse task from the slot's LSN and
 * waits until it runs; the window is then open. Recorded reverseStartRequestedAt before the
 * request, openedAt after. Rerun after a failure or crash: a task never started is started from
 * the LSN; one that stopped or failed is resumed; one starting or running is only awaited.
 * Throws an OperationError (the switch stands) naming the command to retry.
 */
export async function openRollbackWindow(ctx: StepContext): Promise<void> {
  const w = rollbackWindowOutput(ctx);
  const rec = recorded(ctx, RES.reverseTask);
  const retry = `\`${commandFor("cutover", ctx.options)}\``;
  // --dry-run changes nothing: opening the window ends by dropping a slot on the old server.
  if (ctx.options.dryRun) {
    ctx.reporter.info(`[dry-run] would open the rollback window: start the reverse DMS task ${rec?.id ?? ""} from the Aurora slot, wait until it runs, then drop DMS's forward slot on the old server (asked).`);
    return;
  }
  try {
    if (!rec?.arn || w.slot?.status !== "created" || !w.slot.lsn) throw new OperationError("the reverse task or the Aurora slot is not recorded");
    const aws = await awsFor(ctx);
    const now = await statusOf(aws, rec.arn);
    if (!now) throw new OperationError(`DMS no longer has the reverse task ${rec.id}`);
    w.reverseStartRequestedAt = ctx.clock.now().toISOString();
    await ctx.save();
    if (now.Status === "ready" && !now.ReplicationTaskStartDate) {
      await aws.dms.startReplicationTask({ ReplicationTaskArn: rec.arn, StartReplicationTaskType: "start-replication", CdcStartPosition: w.slot.lsn });
    } else if (now.Status === "stopped" || now.Status === "failed") {
      await aws.dms.startReplicationTask({ ReplicationTaskArn: rec.arn, StartReplicationTaskType: "resume-processing" });
    }
    await pollUntil<ReplicationTask>(ctx, {
      what: `the reverse DMS task ${rec.id}`,
      until: `the reverse task ${rec.id} runs`,
      read: async () => (await statusOf(aws, rec.arn!)) ?? {},
      show: (t) => `reverse task ${rec.id}: ${t.Status ?? "not found"}`,
      done: (t) => t.Status === "running",
      failed: (t) => (t.Status === "failed" || t.Status === "stopped" ? new OperationError(`the reverse task ${rec.id} is ${t.Status}: ${t.LastFailureMessage ?? t.StopReason ?? "no message"}`) : undefined),
      firstDelayMs: 5_000,
      maxDelayMs: 15_000,
      timeoutMs: 15 * 60_000,
      successText: () => `The reverse task ${rec.id} runs from ${w.slot?.lsn ?? "?"} on the Aurora slot ${w.slot?.name ?? "?"}.`,
    });
    w.openedAt = ctx.clock.now().toISOString();
    await ctx.save();
    ctx.reporter.success(WINDOW_OPEN_TEXT);
  } catch (err) {
    throw new OperationError(`The switch succeeded (the app is on Aurora), but the rollback window did not open: ${errorMessage(err)}.`, {
      cause: err,
      hint:
        `The switch stands and nothing was undone. The Aurora slot ${w.slot?.name ?? ""} keeps every write made on Aurora since the drain, so nothing is lost while you fix this.\n` +
        `Fix the cause (the reverse task's log in the DMS console), then run ${retry} again: it only opens the window.`,
    });
  }
  // Outside the try: the window is open and recorded; a refused or unanswerable question here
  // is its own error, not "the window did not open".
  await releaseForwardSlot(ctx);
}
