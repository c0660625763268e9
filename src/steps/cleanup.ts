import type { CleanupDeps } from "../migration/cleanup/deps.js";
import { CLEANUP_STEP_ID } from "../migration/cleanup/progress.js";
import { type CleanupOptions, type CleanupReport, runCleanup } from "../migration/cleanup/run-cleanup.js";
import type { Step, StepContext, StepOutcome } from "../migration/context.js";
import { readOutput } from "../migration/outputs/read.js";
import { rollbackWindowOpen } from "../migration/rollback/output.js";
import { commandFor } from "../state/paths.js";

/**
 * The wizard's step 13 while the rollback window is open: nothing removed (the reverse task needs
 * the instance, endpoints, secrets and rules), the run ends without an error and the step stays
 * pending; `finish` (or `rollback`, then `finish`) ends the window and runs this step to the end.
 */
function waitForWindow(ctx: StepContext): StepOutcome {
  const openedAt = readOutput(ctx, "rollback-window")?.openedAt ?? "the cutover";
  const { reporter } = ctx;
  reporter.success(`The migration is done: the app is on Aurora. The rollback window is open since ${openedAt}: every write on Aurora flows back to the old server.`);
  reporter.info("Cleanup waits for the window to end: the reverse task uses the replication instance, the endpoints, their secrets and network rules.");
  reporter.info(`  To go back to the old server without loss: ${commandFor("rollback", ctx.options)}`);
  reporter.info(`  When the team is confident in Aurora:     ${commandFor("finish", ctx.options)}  (ends the window, then cleans up)`);
  reporter.info(`  The window's latency and slot retention:  ${commandFor("status", ctx.options)}`);
  return { waitsFor: `waits for the rollback window (open since ${openedAt}): cleanup runs with \`finish\`` };
}

export interface CleanupStepOptions extends CleanupOptions {
  /** The wizard: with the rollback window open, end the run cleanly and wait (not refuse as `cleanup` does). */
  waitForRollbackWindow?: boolean;
}

/** Step 13: cleanup, over the AWS side `makeDeps` provides. */
export function cleanupStep(makeDeps: (ctx: StepContext) => CleanupDeps, options: CleanupStepOptions = {}, onReport?: (report: CleanupReport) => void): Step {
  return {
    id: CLEANUP_STEP_ID,
    title: "Cleanup",
    async run(ctx) {
      // In the wizard only: `cleanup` refuses (with the same commands), `finish` ends the window.
      if (options.waitForRollbackWindow && rollbackWindowOpen(ctx) && !options.endRollbackWindow) return waitForWindow(ctx);
      const report = await runCleanup(ctx, makeDeps(ctx), options);
      onReport?.(report);
      return { summary: `${report.done.length} removed, ${report.alreadyGone.length} already gone, ${report.remaining.length} remain` };
    },
  };
}
