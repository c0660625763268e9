/**
 * Which work a task request or a restart leads to: pure functions of the task record, so the
 * rules (DMS's, plus the stand-in's recovery) read in one place and are tested without servers.
 */
import { DmsFault } from "./dms-fault.js";
import type { TaskRecord } from "./task-record.js";

export type StartReplicationTaskType = "start-replication" | "resume-processing" | "reload-target";

/**
 * `full-load`: from a fresh slot and snapshot, then CDC (or a stop); `cdc`: apply from the slot;
 * `cdc-from-slot`: a CDC-only task's first run, from the existing slot at its CdcStartPosition.
 */
export type RunPlan = "full-load" | "cdc" | "cdc-from-slot";

/** What StartReplicationTask does for this task; throws InvalidResourceStateFault as DMS does. */
export function planStart(record: TaskRecord, type: StartReplicationTaskType, taskId: string): RunPlan {
  const refuse = (why: string): never => {
    throw new DmsFault("InvalidResourceStateFault", `Replication task ${taskId} cannot be started with ${type}: ${why}`);
  };
  if (record.status === "deleting") refuse("it is being deleted.");
  if (record.migrationType === "cdc") return planCdcOnlyStart(record, type, refuse);
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

/**
 * A CDC-only task: start-replication once, from the slot at its CdcStartPosition; later
 * resume-processing continues from the slot. There is nothing to reload (the stand-in refuses
 * reload-target; what DMS does with it on a CDC-only task is not documented).
 */
function planCdcOnlyStart(record: TaskRecord, type: StartReplicationTaskType, refuse: (why: string) => never): RunPlan {
  if (type === "reload-target") refuse("it is a cdc task: it has no full load to reload.");
  if (type === "start-replication") {
    if (record.everStarted) refuse("it ran before; use resume-processing.");
    if (record.status !== "ready") refuse(`it is ${record.status}, not ready.`);
    return "cdc-from-slot";
  }
  if (record.status !== "stopped" && record.status !== "failed") refuse(`it is ${record.status}.`);
  if (!record.everStarted) refuse("it never ran; use start-replication.");
  // A first start that failed before CDC began (no subscription yet) begins again from the slot.
  return record.phase === "cdc" ? "cdc" : "cdc-from-slot";
}

export type RecoveryPlan = "none" | "mark-ready" | "prepare-cdc-only" | "redo-full-load" | "continue-cdc" | "redo-cdc-from-slot" | "finish-stop" | "finish-delete";

/**
 * What a new process does with a task it finds recorded: a full load that was running is redone
 * (its snapshot died with the old process); CDC continues from the slot (the subscription is
 * created or enabled again if the old process died while starting it); a stop or a delete
 * under way is finished.
 */
export function planRecovery(record: TaskRecord): RecoveryPlan {
  switch (record.status) {
    case "creating":
      // A CDC-only task's publications may not be there yet: (re)made before it is ready.
      return record.migrationType === "cdc" ? "prepare-cdc-only" : "mark-ready";
    case "starting":
    case "running":
      if (record.migrationType === "cdc") return record.phase === "cdc" ? "continue-cdc" : "redo-cdc-from-slot";
      return record.phase === "cdc" || record.phase === "loaded" ? "continue-cdc" : "redo-full-load";
    case "stopping":
      return "finish-stop";
    case "deleting":
      return "finish-delete";
    default:
      return "none";
  }
}
