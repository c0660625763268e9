import { cleanupDepsFor } from "../cleanup/aws-deps.js";
import { cutoverDepsFor } from "../cutover/live-deps.js";
import type { Step } from "../runner.js";
import { auroraClusterStep } from "./aurora-cluster.js";
import { cleanupStep } from "./cleanup.js";
import { cutoverStep } from "./cutover.js";
import { dmsEndpointsStep } from "./dms-endpoints.js";
import { dmsTaskStep } from "./dms-task.js";
import { fullLoadStep } from "./full-load.js";
import { replicationInstanceStep } from "./replication-instance.js";
import { restoreAndSequencesStep } from "./restore-and-sequences.js";
import { resumeTaskStep } from "./resume-task.js";
import { schemaLoadStep } from "./schema-load.js";
import { sourceConnectionStep } from "./source-connection.js";
import { sourcePreflightStep } from "./source-preflight.js";
import { syncWaitStep } from "./sync-wait.js";

/**
 * The wizard's steps in product.md's order. Step ids are persisted in state files: never
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
  cleanupStep(cleanupDepsFor),
];
