import { formatBytes } from "../../plan/lob-sizing.js";
import { quoteLiteral } from "../../plan/sql-text.js";
import { AppError, BlockedError, InterruptedError, errorMessage } from "../../core/errors.js";
import { commandFor } from "../../state/paths.js";
import type { ResourceRecord } from "../../state/schema.js";
import { RES } from "../aws/resources.js";
import type { CleanupDeps, CleanupOutcome } from "../cleanup/deps.js";
import { dropSlot } from "../cleanup/slot.js";
import { openDatabase } from "../connections.js";
import type { StepContext } from "../context.js";
import { readOutput } from "../outputs/read.js";
import { changeDatabase } from "../planned-sql.js";
import { recordedAuroraSlotName, liveResource, readAuroraKeyChanges, readAuroraSlot, readReverseTask, recordWindowReadings } from "./finish-readings.js";
import { rollbackWindowOpen, rollbackWindowOutput } from "./output.js";
import { auroraKeyCaptureLeft, removeAuroraKeyCapture } from "./reverse-key-changes.js";

/**
 * Ending the rollback window (issue 14 item 5; README "Rollback window: finish"): the reverse
 * task stopped and deleted, the reverse endpoints deleted, the slot on Aurora dropped (a slot
 * left there keeps Aurora's WAL until its storage is full), then `finishedAt`. Used by
 * `aurora-migrate finish` and `cleanup --end-rollback-window`, both before the normal cleanup.
 * Each piece is recorded once done (the slot "dropping" before its drop), and a piece that is
 * not there any more counts as done, so a run stopped between pieces is simply run again.
 */

/** What cleanup's report collects. */
export interface WindowReport {
  done: string[];
  alreadyGone: string[];
}

const ENDPOINT_KEYS = [RES.reverseSourceEndpoint, RES.reverseTargetEndpoint] as const;

/** The Aurora slot still to drop: recorded and neither dropped (window record) nor deleted (resource record). */
function slotToDrop(ctx: StepContext): string | undefined {
  const name = recordedAuroraSlotName(ctx);
  if (!name) return undefined;
  if (readOutput(ctx, "rollback-window")?.slot?.status === "dropped") return undefined;
  const rec = ctx.state.resources[RES.auroraSlot];
  return rec && rec["deletedAt"] !== undefined ? undefined : name;
}

/** Whether anything of the reverse path (task, endpoints, Aurora slot) is still to remove. */
export function reversePathLeft(ctx: StepContext): boolean {
  return Boolean(liveResource(ctx, RES.reverseTask) || ENDPOINT_KEYS.some((k) => liveResource(ctx, k)) || slotToDrop(ctx) || auroraKeyCaptureLeft(ctx));
}

/** cleanup's refusal while the window is open: what the window is, that cleanup would end it, the two ways on. */
export function windowOpenRefusal(ctx: StepContext): BlockedError {
  const w = readOutput(ctx, "rollback-window");
  const instance = liveResource(ctx, RES.instance)?.id;
  return new BlockedError(`A rollback window is open (since ${w?.openedAt ?? "the cutover"}): cleanup would end it, so it removed nothing.`, {
    details: [
      "The reverse DMS task carries every write the app makes on Aurora back to the old server, so `aurora-migrate rollback` can return to it without loss.",
      `That task runs on the replication instance${instance ? ` ${instance}` : ""} and uses the endpoints' secrets, roles and network rules: removing them ends the window, and going back would lose data.`,
    ],
    hint: [
      `When the team is confident in Aurora: ${commandFor("finish", ctx.options)}  (ends the window, then cleans up)`,
      `or: ${commandFor("cleanup --end-rollback-window", ctx.options)}  (the same)`,
      `To go back to the old server instead: ${commandFor("rollback", ctx.options)}`,
    ].join("\n"),
  });
}

/** A rollback that started and did not finish: resolved by `rollback` first (its freeze on Aurora may be in force). */
function rollbackUnfinished(ctx: StepContext): BlockedError | undefined {
  const r = readOutput(ctx, "rollback-window")?.rollback;
  if (!r || r.finishedAt !== undefined || r.outcome !== undefined) return undefined;
  return new BlockedError(`A rollback started at ${r.startedAt} and did not finish; the rollback window is left as it is.`, {
    hint: `Run ${commandFor("rollback", ctx.options)} again: it resumes (or undoes) that rollback. Then end the window.`,
  });
}

/** What ending the window means now, said before the confirmation. */
function situation(ctx: StepContext): string {
  const w = readOutput(ctx, "rollback-window");
  if (w?.rollback?.outcome === "switched-back") {
    return `After the rollback (${w.rollback.finishedAt ?? w.rollback.startedAt}) the app is on the old server; the reverse path is removed the same way, Aurora itself is left as it is.`;
  }
  if (rollbackWindowOpen(ctx)) return `The rollback window has been open since ${w?.openedAt ?? "?"}: every write on Aurora flows back to the old server.`;
  return "The reverse path was prepared but the rollback window never opened; it is removed.";
}

/**
 * Ends the window: one confirmation (cleanup.endRollbackWindow; --yes answers yes), then the
 * pieces in DMS's order. Returns false when there was nothing to end (nothing asked).
 */
export async function endRollbackWindow(ctx: StepContext, deps: CleanupDeps, report: WindowReport): Promise<boolean> {
  const { reporter } = ctx;
  const unfinished = rollbackUnfinished(ctx);
  if (unfinished) throw unfinished;
  if (!reversePathLeft(ctx)) {
    const w = readOutput(ctx, "rollback-window");
    if (w && (w.openedAt || w.preparedAt) && !w.finishedAt && !ctx.options.dryRun) {
      rollbackWindowOutput(ctx).finishedAt = ctx.clock.now().toISOString();
      await ctx.save();
    }
    return false;
  }
  const task = liveResource(ctx, RES.reverseTask);
  const endpoints = ENDPOINT_KEYS.flatMap((k) => liveResource(ctx, k) ?? []);
  const slot = slotToDrop(ctx);
  reporter.info(situation(ctx));
  await takeReadings(ctx);
  const go = await ctx.prompter.confirmDestructive({
    id: "cleanup.endRollbackWindow",
    message: "End the rollback window now?",
    consequences: [
      ...(task ? [`Stop and delete the reverse DMS task ${task.id}: writes on Aurora no longer flow back to the old server, and \`rollback\` is no longer possible.`] : []),
      ...(endpoints.length ? [`Delete the reverse DMS endpoints ${endpoints.map((e) => e.id).join(", ")}.`] : []),
      ...(slot ? [`Drop the replication slot ${slot} on Aurora: a slot left there keeps Aurora's WAL, which fills Aurora's storage.`] : []),
      ...(auroraKeyCaptureLeft(ctx) ? ["Remove the key-change trigger from the app's tables on Aurora, and its table and function (aurora_migrate.key_changes)."] : []),
    ],
  });
  if (!go) throw new AppError("The rollback window was left open; nothing was changed.", 1, { hint: `Run ${commandFor("finish", ctx.options)} when the team is confident in Aurora.` });

  const piece = async (what: string, rec: ResourceRecord, call: () => Promise<CleanupOutcome>): Promise<void> => {
    const r = await call();
    // Kept: under --dry-run the call was planned (and printed), not made; nothing is recorded.
    if (ctx.options.dryRun) return;
    rec["deletedAt"] = ctx.clock.now().toISOString();
    await ctx.save();
    (r === "done" ? report.done : report.alreadyGone).push(what);
    reporter.success(r === "done" ? `Deleted ${what}` : `${what} was already gone`);
  };
  if (task) {
    await piece(`the reverse DMS task ${task.id}`, task, async () => {
      const stopped = await deps.stopTask(task);
      if (!ctx.options.dryRun && stopped === "done") reporter.success(`Stopped the reverse task ${task.id}`);
      return deps.deleteTask(task);
    });
  }
  for (const e of endpoints) await piece(`the reverse DMS endpoint ${e.id}`, e, () => deps.deleteEndpoint(e));
  if (slot) await dropAuroraSlot(ctx, slot, report);
  // Last: nothing reads Aurora's changes any more, so dropping the triggers reaches no task.
  if (auroraKeyCaptureLeft(ctx)) await removeAuroraKeyCapture(ctx, report);
  if (!ctx.options.dryRun) {
    rollbackWindowOutput(ctx).finishedAt = ctx.clock.now().toISOString();
    await ctx.save();
    reporter.success("The rollback window is ended.");
  }
  return true;
}

/** Reads the reverse task, the Aurora slot and the key changes recorded on Aurora before they go (what `status` shows afterwards); a failed read is a warning. */
async function takeReadings(ctx: StepContext): Promise<void> {
  try {
    const reverseTask = await readReverseTask(ctx, "finish");
    let auroraSlot;
    let auroraKeyChanges;
    const name = slotToDrop(ctx);
    const capture = readOutput(ctx, "rollback-window")?.keyCapture?.status === "installed";
    if (name || capture) {
      const target = await openDatabase(ctx, "target");
      try {
        if (name) auroraSlot = await readAuroraSlot(ctx, target, "finish");
        auroraKeyChanges = await readAuroraKeyChanges(ctx, target, "finish");
      } finally {
        await target.end().catch(() => undefined);
      }
    }
    await recordWindowReadings(ctx, { ...(reverseTask ? { reverseTask } : {}), ...(auroraSlot ? { auroraSlot } : {}), ...(auroraKeyChanges ? { auroraKeyChanges } : {}) });
    const words = [
      reverseTask ? `reverse task ${reverseTask.status}${reverseTask.latencySeconds !== undefined ? `, latency ${reverseTask.latencySeconds} s` : reverseTask.status === "running" ? ", latency not read (no CloudWatch point yet)" : ""}` : undefined,
      auroraSlot && !auroraSlot.gone && auroraSlot.retainedBytes !== undefined ? `the slot on Aurora keeps ${formatBytes(auroraSlot.retainedBytes)} of WAL` : undefined,
    ].filter(Boolean);
    if (words.length) ctx.reporter.info(`Now: ${words.join("; ")}.`);
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    ctx.reporter.warn(`The reverse path could not be read before its removal (not needed to remove it): ${errorMessage(err)}`);
  }
}

/** Drops the slot on Aurora (the target connection), recorded "dropping" before and "dropped" after. */
async function dropAuroraSlot(ctx: StepContext, name: string, report: WindowReport): Promise<void> {
  const sql = `SELECT pg_drop_replication_slot(${quoteLiteral(name)})`;
  const mark = async (status: "dropping" | "dropped"): Promise<void> => {
    const w = rollbackWindowOutput(ctx);
    w.slot = { ...(w.slot ?? { name }), status, ...(status === "dropped" ? { droppedAt: ctx.clock.now().toISOString() } : {}) };
    const rec = ctx.state.resources[RES.auroraSlot];
    if (rec && status === "dropped") rec["deletedAt"] = ctx.clock.now().toISOString();
    await ctx.save();
  };
  await changeDatabase(ctx, {
    where: "target (Aurora)",
    statements: [sql],
    apply: async () => {
      await mark("dropping");
      const target = await openDatabase(ctx, "target");
      let r: "dropped" | "already-gone";
      try {
        r = await dropSlot(target, name);
      } finally {
        await target.end().catch(() => undefined);
      }
      await mark("dropped");
      (r === "dropped" ? report.done : report.alreadyGone).push(`replication slot ${name} on Aurora`);
      ctx.reporter.success(r === "dropped" ? `Dropped the replication slot ${name} on Aurora` : `The replication slot ${name} on Aurora was already gone`);
    },
  });
}
