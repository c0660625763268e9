import type { CleanupDeps } from "../migration/cleanup/deps.js";
import { CLEANUP_STEP_ID } from "../migration/cleanup/progress.js";
import { type CleanupOptions, type CleanupReport, runCleanup } from "../migration/cleanup/run-cleanup.js";
import type { Step, StepContext } from "../migration/context.js";

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
