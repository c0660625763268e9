import type { z } from "zod";
import { cutoverOutputSchema } from "../cutover/record.js";
import { keyChangesOutputSchema } from "../key-changes/record.js";
import { rollbackWindowOutputSchema } from "../rollback/record.js";
import { auroraClusterOutput, dmsEndpointsOutput, dmsTaskOutput, fullLoadOutput, replicationInstanceOutput, sourceConnectionOutput } from "./aws.js";
import { cleanupOutput, restoreAndSequencesOutput } from "./later-steps.js";
import { schemaLoadOutput } from "./schema-load.js";
import { sourcePreflightOutput } from "./source-preflight.js";
import { schemaDriftOutput, sourceWatchOutput } from "./source-watch.js";

/**
 * Every entry a step writes in `state.outputs`, keyed as stored: the step that writes it and
 * the schema every read and write is checked against (steps/ never touch `state.outputs`
 * directly; see read.ts). Keys are persisted in state files: never rename one.
 */
export const OUTPUTS = {
  "source-connection": { writtenBy: "source-connection", schema: sourceConnectionOutput },
  "source-preflight": { writtenBy: "source-preflight", schema: sourcePreflightOutput },
  "aurora-cluster": { writtenBy: "aurora-cluster", schema: auroraClusterOutput },
  "replication-instance": { writtenBy: "replication-instance", schema: replicationInstanceOutput },
  "dms-endpoints": { writtenBy: "dms-endpoints", schema: dmsEndpointsOutput },
  "dms-task": { writtenBy: "dms-task", schema: dmsTaskOutput },
  "schema-load": { writtenBy: "schema-load", schema: schemaLoadOutput },
  "full-load": { writtenBy: "full-load", schema: fullLoadOutput },
  /** Written by the full load, before the task starts (and read by the cutover and cleanup). */
  "key-changes": { writtenBy: "full-load", schema: keyChangesOutputSchema },
  /** The latest WAL and key-change reading on the source: the full load's wait, then step 9 and the sync wait update it (what `status` shows). */
  "source-watch": { writtenBy: "full-load", schema: sourceWatchOutput },
  "restore-and-sequences": { writtenBy: "restore-and-sequences", schema: restoreAndSequencesOutput },
  /** The drift guard's latest comparison: the sync wait's, then the cutover's preconditions update it. */
  "schema-drift": { writtenBy: "sync-wait", schema: schemaDriftOutput },
  cutover: { writtenBy: "cutover", schema: cutoverOutputSchema },
  /** The rollback window: prepared and opened by the cutover, then `rollback` and `finish` update it. */
  "rollback-window": { writtenBy: "cutover", schema: rollbackWindowOutputSchema },
  cleanup: { writtenBy: "cleanup", schema: cleanupOutput },
} as const;

/** Wizard steps that record no output of their own. */
export const STEPS_WITHOUT_OUTPUT: readonly string[] = ["resume-task"];

export type OutputId = keyof typeof OUTPUTS;
/** What an entry holds once read (defaults filled in). */
export type Output<K extends OutputId> = z.output<(typeof OUTPUTS)[K]["schema"]>;
/** What a step writes into an entry. */
export type OutputInput<K extends OutputId> = z.input<(typeof OUTPUTS)[K]["schema"]>;

export function isOutputId(id: string): id is OutputId {
  return Object.hasOwn(OUTPUTS, id);
}
