/**
 * Which work a task request or a restart leads to: pure functions of the task record, so the
 * rules (DMS's, plus the stand-in's recovery) read in one place and are tested without servers.
 */
import { DmsFault } from "./dms-fault.js";
import type { TaskRecord } from "./task-record.js";

export type StartReplicationTaskType = "start-replication" | "resume-processing" | "reload-target";

/** `full-load`: from a fresh slot and snapshot, then CDC (or a stop); `cdc`: apply from the slot. */
export type RunPlan = "full-load" | "cdc";

/** What StartReplicationTask does for this task; throws InvalidResourceStateFault as DMS does. */
export function planStart(record: TaskRecord, type: StartReplicationTaskType, taskId: string): RunPlan {
  const refuse = (why: string): never => {
    throw new DmsFault("InvalidResourceStateFault", `Replication task ${taskId} cannot be started with ${type}: ${why}`);
  };
  if (record.status === "deleting") refuse("it is being deleted.");
  if (type === "start-replication") {
    if (record.everStarted) refuse("it ran before; use resume-processing or reload-target.");
    if (record.status !== "ready") refuse(`it is ${record.status}, not ready.`);
    return "full-load";
  }
  const allowed = type === "reload-target" ? ["stopped", "failed", "ready"] : ["stopped", "failed"];
  if (!allowed.includes(record.status)) refuse(`it is ${record.status}.`);
  if (type === "resume-processing" && !record.everStarted) refuse("it never ran; use start-replication.");
  // DMS reloads what a stopped full load had not finished; the snapshot that load used is
  // gone, so the stand-in reloads everything from a fresh slot and snapshot.
  if (type === "reload-target" || record.phase === "new" || record.phase === "full-load") return "full-load";
  return "cdc";
}

export type RecoveryPlan = "none" | "mark-ready" | "redo-full-load" | "continue-cdc" | "finish-stop" | "finish-delete";

/**
 * What a new process does with a task it finds recorded: a full load that was running is redone
 * (its snapshot died with the old process); CDC continues from the slot (the subscription is
 * created or enabled again if the old process died while starting it); a stop or a delete
 * under way is finished.
 */
export function planRecovery(record: TaskRecord): RecoveryPlan {
  switch (record.status) {
    case "creating":
      return "mark-ready";
    case "starting":
    case "running":
      return record.phase === "cdc" || record.phase === "loaded" ? "continue-cdc" : "redo-full-load";
    case "stopping":
      return "finish-stop";
    case "deleting":
      return "finish-delete";
    default:
      return "none";
  }
}
