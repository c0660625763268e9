import * as z from "zod";

/** `state.outputs["key-changes"]`: what step 8 installed on the source, and what the cutover last found. */
export const keyChangesOutputSchema = z.object({
  /** "installed": the trigger is on `tables`; "declined": the user chose to go on without (key changes are then lost). */
  capture: z.enum(["installed", "declined"]),
  /** `schema.table` of every table that got the trigger (leaf partitions included). */
  tables: z.array(z.object({ schema: z.string(), table: z.string() })).default([]),
  installedAt: z.string().optional(),
  /** Tables of the chosen schemas without a primary key: nothing to record there (DMS ignores their UPDATEs anyway). */
  withoutKey: z.number().int().nonnegative().default(0),
});
export type KeyChangesOutput = z.infer<typeof keyChangesOutputSchema>;
