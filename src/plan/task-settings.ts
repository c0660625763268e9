import type { LobSettings } from "./lob-sizing.js";
import { DEFAULT_FULL_LOAD_SUBTASKS } from "./parallel-load.js";

/**
 * The DMS task settings document (docs/dms-notes.md §13). Every key the migration
 * depends on is sent explicitly, because DMS's defaults are not ours (a task created without
 * settings comes back with DROP_AND_CREATE):
 * - TRUNCATE_BEFORE_LOAD keeps the schema the wizard loaded (indexes, defaults, sequences);
 * - StopTaskCachedChangesNotApplied stops after the full load, before cached changes, which
 *   is the window where set-aside objects are restored and sequences set (steps 8–9);
 * - logging on, so a failure can be shown with the task's last log lines.
 */
export interface TaskSettingsInput {
  lob: LobSettings;
  /** Tables (and ranges of split tables) loaded at once (plan/parallel-load.ts maxFullLoadSubTasks); DMS's default 8 when absent. */
  maxFullLoadSubTasks?: number;
}

export function buildTaskSettings(input: TaskSettingsInput): Record<string, unknown> {
  return {
    TargetMetadata: {
      TargetSchema: "",
      ...input.lob,
      // Batch apply needs limited LOB mode and keys on every table; off keeps row order simple.
      BatchApplyEnabled: false,
    },
    FullLoadSettings: {
      TargetTablePrepMode: "TRUNCATE_BEFORE_LOAD",
      CreatePkAfterFullLoad: false,
      StopTaskCachedChangesApplied: false,
      StopTaskCachedChangesNotApplied: true,
      MaxFullLoadSubTasks: input.maxFullLoadSubTasks ?? DEFAULT_FULL_LOAD_SUBTASKS,
      TransactionConsistencyTimeout: 600,
      CommitRate: 10000,
    },
    Logging: {
      EnableLogging: true,
      LogComponents: ["SOURCE_UNLOAD", "SOURCE_CAPTURE", "TARGET_LOAD", "TARGET_APPLY", "TASK_MANAGER"].map((Id) => ({ Id, Severity: "LOGGER_SEVERITY_DEFAULT" })),
    },
    // Row counts and checksums are compared by `aurora-migrate validate`, not by DMS.
    ValidationSettings: { EnableValidation: false },
    ChangeProcessingTuning: {
      BatchApplyTimeoutMin: 1,
      BatchApplyTimeoutMax: 30,
      BatchApplyMemoryLimit: 500,
      MinTransactionSize: 1000,
      CommitTimeout: 1,
      MemoryLimitTotal: 1024,
      MemoryKeepTime: 60,
      StatementCacheSize: 50,
    },
  };
}

/** The settings the migration cannot do without; checked again on what DMS stored. */
export const REQUIRED_TASK_SETTINGS: readonly { path: readonly string[]; value: unknown }[] = [
  { path: ["FullLoadSettings", "TargetTablePrepMode"], value: "TRUNCATE_BEFORE_LOAD" },
  { path: ["FullLoadSettings", "StopTaskCachedChangesNotApplied"], value: true },
  { path: ["Logging", "EnableLogging"], value: true },
];

/** The required settings a stored settings document does not have, as `A.B = value` lines. */
export function missingRequiredSettings(stored: unknown): string[] {
  const problems: string[] = [];
  for (const { path, value } of REQUIRED_TASK_SETTINGS) {
    let node: unknown = stored;
    for (const key of path) node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    if (node !== value) problems.push(`${path.join(".")} is ${JSON.stringify(node)}, expected ${JSON.stringify(value)}`);
  }
  return problems;
}
