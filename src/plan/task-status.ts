/**
 * Reading a DMS task's state (docs/dms-notes.md §14). StopReason strings carry a
 * "Stop Reason " prefix, so tokens are matched, never the whole string.
 */
export interface TaskView {
  Status?: string | undefined;
  StopReason?: string | undefined;
  LastFailureMessage?: string | undefined;
  ReplicationTaskStartDate?: Date | undefined;
  ReplicationTaskStats?: {
    FullLoadProgressPercent?: number | undefined;
    TablesLoaded?: number | undefined;
    TablesLoading?: number | undefined;
    TablesQueued?: number | undefined;
    TablesErrored?: number | undefined;
  } | undefined;
}

export type FullLoadPhase =
  | { kind: "never-started" }
  | { kind: "busy"; status: string }
  | { kind: "done" }
  | { kind: "failed"; message: string }
  | { kind: "stopped"; reason: string };

export function stoppedAfterFullLoad(stopReason: string | undefined): boolean {
  // FULL_LOAD_ONLY_FINISHED is a full-load task's normal end; accepted defensively.
  return /STOPPED_AFTER_FULL_LOAD|FULL_LOAD_ONLY_FINISHED/.test(stopReason ?? "");
}

export function fullLoadPhase(task: TaskView): FullLoadPhase {
  const status = task.Status ?? "unknown";
  if (status === "ready" && !task.ReplicationTaskStartDate) return { kind: "never-started" };
  if (status === "failed") return { kind: "failed", message: task.LastFailureMessage ?? "DMS gave no reason" };
  if (status === "stopped") {
    if (stoppedAfterFullLoad(task.StopReason)) return { kind: "done" };
    return { kind: "stopped", reason: task.StopReason ?? "no stop reason" };
  }
  return { kind: "busy", status };
}
