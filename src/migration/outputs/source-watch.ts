import * as z from "zod";

/**
 * The latest reading the waits took on the source (`state.outputs["source-watch"]`): the WAL
 * the DMS slot keeps (the full load's and the sync wait's rounds, step 9 before its restore)
 * and the count of recorded primary-key changes. `status` prints it with its age and never
 * connects. Absent in states written before it existed, or before the first reading.
 */
export const sourceWatchOutput = z.looseObject({
  wal: z
    .object({
      /** ISO time of the reading. */
      at: z.string(),
      /** The step whose wait read it (full-load, restore-and-sequences, sync-wait). */
      by: z.string(),
      slot: z.string(),
      /** The slot was no longer on the source. */
      gone: z.boolean().optional(),
      retainedBytes: z.number().optional(),
      /** Since the wait's first reading (or over step 9's sample); absent with one reading. */
      growthPerHour: z.number().optional(),
      level: z.enum(["ok", "warn", "danger"]).optional(),
      message: z.string().optional(),
      fix: z.string().optional(),
      limitBytes: z.number().optional(),
    })
    .optional(),
  keyChanges: z
    .object({
      at: z.string(),
      by: z.string(),
      /** Key-changing UPDATEs recorded on the source so far. */
      recorded: z.number().int(),
      /** The key-change table was gone from the source. */
      removed: z.boolean().optional(),
    })
    .optional(),
});
export type SourceWatchOutput = z.infer<typeof sourceWatchOutput>;

/**
 * The DDL drift guard's latest comparison (`state.outputs["schema-drift"]`): the sync wait's
 * (and the cutover's preconditions'), the changes the target lacks with the DDL to run there.
 */
export const schemaDriftOutput = z.looseObject({
  at: z.string(),
  by: z.string(),
  /** Catalog objects compared. */
  compared: z.number().int(),
  /** One line per change the target lacks (plan/schema-drift.ts describeDrift: what changed and the DDL to run). */
  changes: z.array(z.string()),
  /** Why the comparison could not run (then `changes` is empty and says nothing). */
  notChecked: z.string().optional(),
});
export type SchemaDriftOutput = z.infer<typeof schemaDriftOutput>;
