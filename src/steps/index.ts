import { unavailableCleanupDeps } from "../cleanup/deps.js";
import { unavailableCutoverDeps } from "../cutover/deps.js";
import type { Step } from "../runner.js";
import { cleanupStep } from "./cleanup.js";
import { cutoverStep } from "./cutover.js";
import { notBuiltStep } from "./not-built.js";
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
  notBuiltStep("schema-load", "Schema load"),
  notBuiltStep("full-load", "Full load"),
  notBuiltStep("restore-and-sequences", "Restore set-aside objects and reset sequences"),
  notBuiltStep("resume-task", "Resume the task"),
  notBuiltStep("sync-wait", "Wait for sync"),
  // The lead wires the AWS adapters, validate and sync-sequences in here (see the deps files).
  cutoverStep(() => unavailableCutoverDeps()),
  cleanupStep(() => unavailableCleanupDeps()),
];
