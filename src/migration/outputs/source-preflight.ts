import * as z from "zod";
import type { SourceFacts } from "../../plan/preflight/facts.js";
import { largestLob } from "../../plan/preflight/lobs.js";
import { instanceAdviceFor, largestTables } from "../../plan/preflight/sizing.js";

/**
 * What the source preflight (step 2) records in `state.outputs["source-preflight"]`, read by
 * later steps: the schemas to migrate (schema load, table mappings, sequence sync), the
 * measured sizes (replication-instance advice) and LOB maxima (task LOB settings).
 */
export const sourcePreflightOutput = z.object({
  /** Schemas chosen for the migration (answer `source.schemas`). */
  schemas: z.array(z.string()),
  serverVersionNum: z.number().int(),
  databaseSizeBytes: z.number().nonnegative(),
  tableCount: z.number().int().nonnegative(),
  /** The largest tables (at most 20), for advice and duration estimates. */
  largestTables: z.array(z.object({ schema: z.string(), table: z.string(), sizeBytes: z.number(), rowEstimate: z.number() })),
  /** Max value size per LOB-type column DMS treats as a LOB (text, bytea, json(b), xml, arrays, hstore). */
  lobColumns: z.array(z.object({ schema: z.string(), table: z.string(), column: z.string(), type: z.string(), maxBytes: z.number().nonnegative() })),
  /** The largest of lobColumns' maxBytes (0 when there are none). */
  maxLobBytes: z.number().nonnegative(),
  /** Advice, e.g. "dms.t3.medium", with its reason. */
  suggestedInstanceClass: z.string(),
  instanceClassReason: z.string(),
  /** Tables without a primary key (their UPDATE/DELETE are not captured). */
  tablesWithoutPrimaryKey: z.array(z.object({ schema: z.string(), table: z.string() })),
  /** CIDR of the replication instance if known at preflight time (`check-source --dms-cidr`; the wizard's step 2 no longer asks). */
  dmsCidr: z.string().optional(),
  /** The source's password_encryption ("scram-sha-256" or "md5"): the method of the pg_hba.conf lines steps 4 and 5 propose. */
  passwordEncryption: z.string().optional(),
});
export type SourcePreflightOutput = z.infer<typeof sourcePreflightOutput>;

/** Pure: what the preflight records for later steps, from the facts it gathered. */
export function buildSourcePreflightOutput(facts: SourceFacts, dmsCidr: string | undefined): SourcePreflightOutput {
  const advice = instanceAdviceFor(facts);
  const passwordEncryption = facts.settings["password_encryption"]?.setting;
  const lobColumns = facts.dataScan.status === "done" ? facts.dataScan.lobMaxima.map((l) => ({ ...l })) : [];
  return {
    schemas: [...facts.chosenSchemas],
    serverVersionNum: facts.serverVersionNum,
    databaseSizeBytes: facts.databaseSizeBytes,
    tableCount: facts.tables.length,
    largestTables: largestTables(facts, 20).map((t) => ({ schema: t.schema, table: t.name, sizeBytes: t.sizeBytes, rowEstimate: t.rowEstimate })),
    lobColumns,
    maxLobBytes: largestLob(lobColumns),
    suggestedInstanceClass: advice.instanceClass,
    instanceClassReason: advice.reason,
    tablesWithoutPrimaryKey: facts.tables.filter((t) => t.kind === "r" && !t.hasPrimaryKey).map((t) => ({ schema: t.schema, table: t.name })),
    ...(dmsCidr ? { dmsCidr } : {}),
    ...(passwordEncryption ? { passwordEncryption } : {}),
  };
}
