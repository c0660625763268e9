import type { Step } from "../runner.js";
import { notBuiltStep } from "./not-built.js";
import { restoreAndSequencesStep } from "./restore-and-sequences.js";
import { schemaLoadStep } from "./schema-load.js";
import { sourceConnectionStep } from "./source-connection.js";
import { sourcePreflightStep } from "./source-preflight.js";

/**
 * The wizard's steps in product.md's order. Step ids are persisted in state files: never
 * rename one; add a new step instead.
 */
export const WIZARD_STEPS: readonly Step[] = [
  sourceConnectionStep,
  sourcePreflightStep,
  notBuiltStep("aurora-cluster", "Aurora cluster"),
  notBuiltStep("replication-instance", "DMS replication instance"),
  notBuiltStep("dms-endpoints", "DMS endpoints"),
  notBuiltStep("dms-task", "DMS task"),
  schemaLoadStep,
  notBuiltStep("full-load", "Full load"),
  restoreAndSequencesStep,
  notBuiltStep("resume-task", "Resume the task"),
  notBuiltStep("sync-wait", "Wait for sync"),
  notBuiltStep("cutover", "Cutover"),
  notBuiltStep("cleanup", "Cleanup"),
];
