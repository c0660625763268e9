/**
 * The DMS task settings the stand-in honours, read from a task's `ReplicationTaskSettings`
 * JSON (docs/dms-notes.md §13). Anything else in the document is accepted and ignored,
 * as it does not change which rows move.
 */
import { DmsFault } from "./dms-fault.js";

export type TargetTablePrepMode = "TRUNCATE_BEFORE_LOAD" | "DO_NOTHING";

export interface StandinTaskSettings {
  /** `FullLoadSettings.TargetTablePrepMode`. The stand-in never drops tables, so DROP_AND_CREATE is refused. */
  targetTablePrepMode: TargetTablePrepMode;
  /** `FullLoadSettings.StopTaskCachedChangesNotApplied`: stop after the full load, before cached changes. Default false. */
  stopTaskCachedChangesNotApplied: boolean;
  /** `FullLoadSettings.MaxFullLoadSubTasks`: tables loaded at a time, 1–49. Default 8. */
  maxFullLoadSubTasks: number;
}

export const DEFAULT_TASK_SETTINGS: StandinTaskSettings = {
  targetTablePrepMode: "TRUNCATE_BEFORE_LOAD",
  stopTaskCachedChangesNotApplied: false,
  maxFullLoadSubTasks: 8,
};

/** Reads the settings the stand-in needs from a DMS `ReplicationTaskSettings` document. */
export function parseTaskSettings(json: string | undefined): StandinTaskSettings {
  if (json === undefined || json.trim() === "") return { ...DEFAULT_TASK_SETTINGS };
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new DmsFault("InvalidParameterValueException", `Invalid task settings: not JSON (${(err as Error).message}).`);
  }
  const fullLoad = (doc as { FullLoadSettings?: Record<string, unknown> } | null)?.FullLoadSettings ?? {};
  // DMS's own default when the key is missing is DROP_AND_CREATE (docs/dms-notes.md §13).
  const prep = fullLoad["TargetTablePrepMode"] ?? "DROP_AND_CREATE";
  if (prep !== "TRUNCATE_BEFORE_LOAD" && prep !== "DO_NOTHING") {
    throw new DmsFault(
      "InvalidParameterValueException",
      `Invalid task settings: TargetTablePrepMode ${JSON.stringify(prep)} is not supported by the local stand-in (TRUNCATE_BEFORE_LOAD or DO_NOTHING).`,
    );
  }
  const subTasks = Number(fullLoad["MaxFullLoadSubTasks"] ?? DEFAULT_TASK_SETTINGS.maxFullLoadSubTasks);
  if (!Number.isInteger(subTasks) || subTasks < 1 || subTasks > 49) {
    throw new DmsFault("InvalidParameterValueException", `Invalid task settings: MaxFullLoadSubTasks must be an integer from 1 to 49, not ${String(fullLoad["MaxFullLoadSubTasks"])}.`);
  }
  return {
    targetTablePrepMode: prep,
    stopTaskCachedChangesNotApplied: fullLoad["StopTaskCachedChangesNotApplied"] === true,
    maxFullLoadSubTasks: subTasks,
  };
}
