import type { Step } from "../../../src/migration/context.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { dmsEndpointsStep } from "../../../src/steps/dms-endpoints.js";
import { dmsTaskStep } from "../../../src/steps/dms-task.js";
import { fullLoadStep } from "../../../src/steps/full-load.js";
import { replicationInstanceStep } from "../../../src/steps/replication-instance.js";
import { resumeTaskStep } from "../../../src/steps/resume-task.js";
import type { Harness } from "./harness.js";

/** Steps 3 to 8 of the wizard in order (without the schema load, built on another branch). */
export const AWS_STEPS_TO_FULL_LOAD: readonly Step[] = [auroraClusterStep, replicationInstanceStep, dmsEndpointsStep, dmsTaskStep, fullLoadStep, resumeTaskStep];

/** Runs the AWS steps in order up to (not including) the one with `untilId`. */
export async function runUntil(h: Harness, untilId: string): Promise<void> {
  for (const step of AWS_STEPS_TO_FULL_LOAD) {
    if (step.id === untilId) return;
    await step.run(h.ctx);
  }
}
