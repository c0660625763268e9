/**
 * What `status` says about the big tables' full load, as step 6 recorded it in the task (issue
 * 15, item 1): the tables split in parallel-load ranges, those loaded whole and why. Pure: read
 * from the state, no connection.
 */
import { readOutput } from "../migration/outputs/read.js";
import { formatBytes, readableName } from "../plan/sql-text.js";
import type { MigrationState } from "../state/schema.js";

/** `parallelLoad` in `status --json`. */
export interface ParallelLoadStatus {
  /** Tables of this size or more were considered for a split. */
  thresholdBytes: number;
  /** The task's FullLoadSettings.MaxFullLoadSubTasks. */
  maxFullLoadSubTasks: number;
  split: { schema: string; table: string; sizeBytes: number; columns: string[]; ranges: number; boundaries: string[][] }[];
  whole: { schema: string; table: string; sizeBytes: number; reason: string }[];
}

/** The plan step 6 recorded; undefined before step 6 (or in a state from before the record). */
export function parallelLoadStatus(state: MigrationState, statePath: string): ParallelLoadStatus | undefined {
  const recorded = readOutput({ state, options: { statePath } }, "dms-task")?.parallelLoad;
  if (!recorded) return undefined;
  return {
    thresholdBytes: recorded.thresholdBytes,
    maxFullLoadSubTasks: recorded.maxFullLoadSubTasks,
    split: recorded.split.map((s) => ({ schema: s.schema, table: s.table, sizeBytes: s.sizeBytes, columns: s.key.map((k) => k.name), ranges: s.boundaries.length + 1, boundaries: s.boundaries })),
    whole: recorded.whole.map((w) => ({ schema: w.schema, table: w.table, sizeBytes: w.sizeBytes, reason: w.reason })),
  };
}

/**
 * `Parallel load: public.orders in 8 ranges on id (12 GiB); 1 table loaded whole: public.notes; MaxFullLoadSubTasks 8`,
 * then why each of those is loaded whole.
 */
export function parallelLoadLines(s: ParallelLoadStatus): string[] {
  const parts = s.split.map((t) => `${readableName(t.schema, t.table)} in ${t.ranges} ranges on ${t.columns.join(", ")} (${formatBytes(t.sizeBytes)})`);
  if (s.whole.length) parts.push(`${s.whole.length} table${s.whole.length === 1 ? "" : "s"} loaded whole: ${s.whole.map((w) => readableName(w.schema, w.table)).join(", ")}`);
  if (parts.length === 0) parts.push(`no table of ${formatBytes(s.thresholdBytes)} or more`);
  return [
    `Parallel load: ${parts.join("; ")}; MaxFullLoadSubTasks ${s.maxFullLoadSubTasks}`,
    ...s.whole.map((w) => `  ${readableName(w.schema, w.table)} (${formatBytes(w.sizeBytes)}) loaded whole: ${w.reason}`),
  ];
}
