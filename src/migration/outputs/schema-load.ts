import * as z from "zod";
import { setAsideObjectSchema } from "../schema/set-aside.js";

/** One object of the drift record (plan/schema-drift.ts's DriftObject). */
const driftObjectSchema = z.object({
  kind: z.string(),
  key: z.string(),
  definition: z.string(),
  subtype: z.string().optional(),
  ident: z.object({ table: z.string(), name: z.string() }).optional(),
});

/**
 * What the schema load (step 7) records in `state.outputs["schema-load"]`: how the schema was
 * loaded, and the exact definitions of what was set aside, which step 9 restores.
 */
export const schemaLoadOutput = z.object({
  method: z.enum(["built-in", "hook"]),
  schemas: z.array(z.string()),
  /** pg_dump used by the built-in method, e.g. "/usr/bin/pg_dump 15.18". */
  pgDump: z.string().optional(),
  /** "recorded" while the objects are being dropped (a crash here is recoverable), then "dropped". */
  phase: z.enum(["recorded", "dropped", "loaded"]),
  setAside: z.array(setAsideObjectSchema),
  parity: z.object({ blockers: z.number().int(), warnings: z.number().int() }).optional(),
  /**
   * The DDL drift guard's record: the source's catalog of the chosen schemas right after the
   * load, compared with the source's during the sync wait and before the cutover. Absent in
   * states written before the guard existed (then nothing is compared).
   */
  drift: z
    .object({
      fingerprint: z.string(),
      recordedAt: z.string(),
      objects: z.array(driftObjectSchema),
    })
    .optional(),
});
export type SchemaLoadOutput = z.infer<typeof schemaLoadOutput>;
