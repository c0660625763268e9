import * as z from "zod";
import { freezeRecordSchema, switchRecordSchema } from "../cutover/record.js";

/**
 * The rollback window (issue 14; design in README "Rollback window"): after the switch, a
 * reverse DMS task carries every write made on Aurora back to the old server, so `rollback`
 * can return without loss. Every side effect is recorded before it happens ("creating",
 * "stopping", "planned") and again once done, so a crash at any point is resumed without
 * undoing what may have happened. The AWS resources themselves (reverse endpoints and task,
 * the Aurora slot) are in `state.resources` (RES.reverse*, RES.auroraSlot), where cleanup finds them.
 */

/** The logical slot on Aurora the reverse task reads (test_decoding: what DMS reads). */
export const auroraSlotRecordSchema = z.object({
  name: z.string(),
  /** creating: recorded before pg_create_logical_replication_slot (it may or may not exist); dropping: before the drop. */
  status: z.enum(["creating", "created", "dropping", "dropped"]),
  /** The slot's consistent point (pg_create_logical_replication_slot's lsn): the reverse task's CdcStartPosition. */
  lsn: z.string().optional(),
  createdAt: z.string().optional(),
  droppedAt: z.string().optional(),
});
export type AuroraSlotRecord = z.infer<typeof auroraSlotRecordSchema>;

/** `aurora-migrate rollback`: the way back to the old server. */
export const rollbackRecordSchema = z.object({
  startedAt: z.string(),
  /** The freeze on Aurora for the app's roles (same mechanism and record as the cutover's on the source). */
  freeze: freezeRecordSchema.optional(),
  /** The marker written on Aurora after its freeze, seen on the old server through the reverse task. */
  marker: z.object({ token: z.string(), id: z.number(), writtenAt: z.string(), seenAt: z.string().optional() }).optional(),
  /** The rows whose primary key the app changed on Aurora during the window, re-copied onto the old server after the drain (DMS ignores such UPDATEs). */
  keyChanges: z.object({ recorded: z.number(), keys: z.number(), copied: z.number(), deleted: z.number() }).optional(),
  /** Sequences moved on the old server (never backwards), summary. */
  sequences: z.string().optional(),
  /** Recorded before the old server's freeze is lifted: from here a failure re-applies it (the app may not write on both). */
  sourceUnfreezeStartedAt: z.string().optional(),
  /** The old server's freeze for the app's roles, lifted (the cutover's freeze record in outputs.cutover). */
  sourceUnfrozenAt: z.string().optional(),
  /** The old server's freeze re-applied after a failure once it had been lifted. */
  sourceRefrozenAt: z.string().optional(),
  /** The user's switch-back hook, recorded (fsynced) before it starts, as the cutover's switch. */
  switchBack: switchRecordSchema.optional(),
  outcome: z.enum(["switched-back", "aborted"]).optional(),
  /** The reverse task stopped after the switch-back (requested recorded before the call). */
  reverseStop: z.object({ requestedAt: z.string(), stoppedAt: z.string().optional() }).optional(),
  /** The rollback's write window phase by phase, ms (as the cutover's report). */
  window: z
    .object({ freezeMs: z.number(), drainMs: z.number().optional(), keyChangesMs: z.number().optional(), sequencesMs: z.number().optional(), unfreezeMs: z.number().optional(), hookMs: z.number().optional(), totalMs: z.number().optional() })
    .optional(),
  failure: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Freeze on Aurora to the switch-back hook's end, ms (the rollback's write window). */
  windowMs: z.number().optional(),
});
export type RollbackRecord = z.infer<typeof rollbackRecordSchema>;

/** One reading: when, and which command took it ("rollback", "finish", "cutover"). */
const readingAt = { at: z.string(), by: z.string() };
/** The reverse task's status and CDC latency, the WAL the Aurora slot keeps, and the key changes recorded on Aurora, as last read. */
export const windowReadingsSchema = z.object({
  reverseTask: z.object({ ...readingAt, status: z.string(), latencySeconds: z.number().optional() }).optional(),
  auroraSlot: z.object({ ...readingAt, retainedBytes: z.number().optional(), gone: z.boolean().optional() }).optional(),
  /** Key-changing UPDATEs the capture on Aurora recorded since the switch (DMS does not carry them back; `rollback` re-copies those rows). */
  auroraKeyChanges: z.object({ ...readingAt, count: z.number().int().nonnegative() }).optional(),
});
export type WindowReadings = z.infer<typeof windowReadingsSchema>;

/** `state.outputs["rollback-window"]`. */
export const rollbackWindowOutputSchema = z.looseObject({
  /** Reverse endpoints tested and the reverse task created (not started), before the freeze. */
  preparedAt: z.string().optional(),
  /** The forward task: stop requested (before the Aurora slot exists: it would carry the reverse task's writes back, a loop). */
  forwardStop: z.object({ requestedAt: z.string(), stoppedAt: z.string().optional(), resumedAt: z.string().optional() }).optional(),
  slot: auroraSlotRecordSchema.optional(),
  /**
   * The key-change capture on Aurora (the forward one's trigger, table and function), put there
   * with the reverse path, before the freeze: "installing" is recorded before any of it is made,
   * "removing" before `finish` drops it. Only the app's UPDATEs fire it (an ordinary trigger:
   * DMS applies with session_replication_role = replica).
   */
  keyCapture: z
    .object({
      status: z.enum(["installing", "installed", "removing", "removed"]),
      tables: z.number().int().nonnegative().optional(),
      installedAt: z.string().optional(),
      removedAt: z.string().optional(),
    })
    .optional(),
  /** The reverse task was asked to start (from slot.lsn), then seen running: the window is open. */
  reverseStartRequestedAt: z.string().optional(),
  openedAt: z.string().optional(),
  rollback: rollbackRecordSchema.optional(),
  /** `aurora-migrate finish`: the window ended (reverse task, endpoints and Aurora slot removed). */
  finishedAt: z.string().optional(),
  /** The latest readings of the reverse path (what `status` shows: it never connects), by whatever talked to AWS/Aurora last. */
  readings: windowReadingsSchema.optional(),
});
export type RollbackWindowOutput = z.infer<typeof rollbackWindowOutputSchema>;
