import type { CleanupDeps } from "../cleanup/deps.js";
import { CLEANUP_STEP_ID } from "../cleanup/progress.js";
import { type CleanupOptions, type CleanupReport, runCleanup } from "../cleanup/run-cleanup.js";
import type { Step, StepContext } from "../runner.js";

/** Step 13: cleanup, over the AWS side `makeDeps` provides. */
export function cleanupStep(makeDeps: (ctx: StepContext) => CleanupDeps, options: CleanupOptions = {}, onReport?: (report: CleanupReport) => void): Step {
  return {
    id: CLEANUP_STEP_ID,
    title: "Cleanup",
    async run(ctx) {
      const report = await runCleanup(ctx, makeDeps(ctx), options);
      onReport?.(report);
      return { summary: `${report.done.length} removed, ${report.alreadyGone.length} already gone, ${report.remaining.length} remain` };
    },
  };
}
