import { cleanupDepsFor } from "../migration/cleanup/aws-deps.js";
import { cutoverDepsFor } from "../migration/cutover/live-deps.js";
import type { Step } from "../migration/context.js";
import { auroraClusterStep } from "../steps/aurora-cluster.js";
import { cleanupStep } from "../steps/cleanup.js";
import { cutoverStep } from "../steps/cutover.js";
import { dmsEndpointsStep } from "../steps/dms-endpoints.js";
import { dmsTaskStep } from "../steps/dms-task.js";
import { fullLoadStep } from "../steps/full-load.js";
import { replicationInstanceStep } from "../steps/replication-instance.js";
import { restoreAndSequencesStep } from "../steps/restore-and-sequences.js";
import { resumeTaskStep } from "../steps/resume-task.js";
import { schemaLoadStep } from "../steps/schema-load.js";
import { sourceConnectionStep } from "../steps/source-connection.js";
import { sourcePreflightStep } from "../steps/source-preflight.js";
import { syncWaitStep } from "../steps/sync-wait.js";

/**
 * The wizard's steps, in the order they run. Step ids are persisted in state files: never
 * rename one; add a new step instead.
 */
export const WIZARD_STEPS: readonly Step[] = [
  sourceConnectionStep,
  sourcePreflightStep,
  auroraClusterStep,
  replicationInstanceStep,
  dmsEndpointsStep,
  dmsTaskStep,
  schemaLoadStep,
  fullLoadStep,
  restoreAndSequencesStep,
  resumeTaskStep,
  syncWaitStep,
  cutoverStep(cutoverDepsFor),
  cleanupStep(cleanupDepsFor, { waitForRollbackWindow: true }),
];
