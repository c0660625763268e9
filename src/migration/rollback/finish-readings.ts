import type { PgClient } from "../../adapters/postgres/connect.js";
import { errorMessage } from "../../core/errors.js";
import { jointPoints } from "../../plan/sync-verdict.js";
import type { ResourceRecord } from "../../state/schema.js";
import { awsFor } from "../aws/context.js";
import { readLatencySeries } from "../aws/latency.js";
import { findTask } from "../aws/lookups.js";
import { RES } from "../aws/resources.js";
import { readSlot } from "../cleanup/slot.js";
import { countKeyChanges } from "../key-changes/read.js";
import type { StepContext } from "../context.js";
import { readOutput } from "../outputs/read.js";
import { rollbackWindowOutput } from "./output.js";
import type { WindowReadings } from "./record.js";

/**
 * The rollback window's readings (`status` never connects, so it shows what was last read):
 * the reverse task's status and CDC latency, the WAL the slot on Aurora keeps, and the key
 * changes the capture on Aurora recorded. Taken where
 * the tool already talks to AWS and Aurora — `finish` before it removes them, and `rollback`'s
 * precondition check (which calls `recordWindowReadings` with its own figures).
 */

/** A recorded resource that is still there (not deleted by cleanup or finish). */
export function liveResource(ctx: Pick<StepContext, "state">, key: string): ResourceRecord | undefined {
  const r = ctx.state.resources[key];
  return r && r["deletedAt"] === undefined ? r : undefined;
}

/** The Aurora slot's name: the window's record, else the resource record. */
export function recordedAuroraSlotName(ctx: Pick<StepContext, "state">): string | undefined {
  return readOutput(ctx, "rollback-window")?.slot?.name ?? ctx.state.resources[RES.auroraSlot]?.id;
}

/** Stores readings (merged over the earlier ones) in outputs["rollback-window"].readings; saved, except under --dry-run. */
export async function recordWindowReadings(ctx: StepContext, readings: WindowReadings): Promise<void> {
  const w = rollbackWindowOutput(ctx);
  w.readings = { ...w.readings, ...readings };
  // Kept: a dry run's state is not written.
  if (!ctx.options.dryRun) await ctx.save();
}

/** The reverse task's status and latency now; undefined when no reverse task is left. A failed latency read leaves the latency out. */
export async function readReverseTask(ctx: StepContext, by: string): Promise<WindowReadings["reverseTask"]> {
  const rec = liveResource(ctx, RES.reverseTask);
  if (!rec) return undefined;
  const aws = await awsFor(ctx);
  const task = await findTask(aws, rec.arn ? { arn: rec.arn } : { id: rec.id });
  const at = ctx.clock.now().toISOString();
  const status = task?.Status ?? "gone";
  const instanceId = readOutput(ctx, "dms-task")?.instanceId ?? ctx.state.resources[RES.instance]?.id;
  const resourceId = task?.ReplicationTaskArn?.split(":").pop();
  if (status !== "running" || !instanceId || !resourceId) return { at, by, status };
  try {
    const { source, target } = await readLatencySeries(aws, { instanceId, taskResourceId: resourceId }, ctx.clock.now());
    const latest = jointPoints(source, target)[0];
    return { at, by, status, ...(latest ? { latencySeconds: Math.max(latest.source, latest.target) } : {}) };
  } catch (err) {
    ctx.reporter.warn(`The reverse task's latency could not be read from CloudWatch: ${errorMessage(err)}`);
    return { at, by, status };
  }
}

/** The WAL the slot on Aurora keeps now (gone: it is not there). */
export async function readAuroraSlot(ctx: StepContext, target: PgClient, by: string): Promise<WindowReadings["auroraSlot"]> {
  const name = recordedAuroraSlotName(ctx);
  if (!name) return undefined;
  const slot = await readSlot(target, name);
  const at = ctx.clock.now().toISOString();
  if (!slot) return { at, by, gone: true };
  return { at, by, ...(slot.retainedBytes === null ? {} : { retainedBytes: slot.retainedBytes }) };
}

/** How many key changes the capture on Aurora recorded; undefined when no capture is installed there. */
export async function readAuroraKeyChanges(ctx: StepContext, target: PgClient, by: string): Promise<WindowReadings["auroraKeyChanges"]> {
  if (readOutput(ctx, "rollback-window")?.keyCapture?.status !== "installed") return undefined;
  return { at: ctx.clock.now().toISOString(), by, count: await countKeyChanges(target) };
}

/**
 * `rollback`'s precondition check: the reverse task's status and latency it just read, the
 * WAL the Aurora slot keeps and the key changes recorded there (read on its Aurora connection),
 * recorded for `status`. A failed read of either is a warning: it never stops the rollback.
 */
export async function recordRollbackCheckReadings(ctx: StepContext, aurora: PgClient, status: string, latencySeconds: number | undefined): Promise<void> {
  const at = ctx.clock.now().toISOString();
  const reverseTask = { at, by: "rollback", status, ...(latencySeconds !== undefined ? { latencySeconds } : {}) };
  let auroraSlot: WindowReadings["auroraSlot"];
  let auroraKeyChanges: WindowReadings["auroraKeyChanges"];
  try {
    auroraSlot = await readAuroraSlot(ctx, aurora, "rollback");
  } catch (err) {
    ctx.reporter.warn(`The WAL the slot on Aurora keeps could not be read: ${errorMessage(err)}`);
  }
  try {
    auroraKeyChanges = await readAuroraKeyChanges(ctx, aurora, "rollback");
  } catch (err) {
    ctx.reporter.warn(`The key changes recorded on Aurora could not be counted: ${errorMessage(err)}`);
  }
  await recordWindowReadings(ctx, { reverseTask, ...(auroraSlot ? { auroraSlot } : {}), ...(auroraKeyChanges ? { auroraKeyChanges } : {}) });
}
