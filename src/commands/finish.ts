import type { CleanupDeps } from "../migration/cleanup/deps.js";
import { cleanupDepsFor } from "../migration/cleanup/aws-deps.js";
import { CLEANUP_STEP_ID } from "../migration/cleanup/progress.js";
import { type GlobalOptions, type StepContext } from "../migration/context.js";
import { readOutput } from "../migration/outputs/read.js";
import { reversePathLeft } from "../migration/rollback/finish.js";
import { runSteps } from "../wizard/runner.js";
import { type SessionIo, openSession } from "./session.js";
import { commandFor } from "../state/paths.js";
import { cleanupStep } from "../steps/cleanup.js";

/**
 * `aurora-migrate finish`: ends the rollback window (reverse task and endpoints deleted, the
 * slot on Aurora dropped; migration/rollback/finish.ts), then runs the normal cleanup, as
 * `cleanup --end-rollback-window` does. Run again after a stop, it continues where it was; once
 * all is done, it says so and changes nothing.
 */
export async function runFinishCommand(options: GlobalOptions, io: SessionIo, makeDeps: (ctx: StepContext) => CleanupDeps = cleanupDepsFor): Promise<void> {
  const session = await openSession(options, "resume", io);
  const { ctx } = session;
  const { reporter } = ctx;
  try {
    const w = readOutput(ctx, "rollback-window");
    const cleanupDone = ctx.state.steps[CLEANUP_STEP_ID]?.status === "done";
    if (!reversePathLeft(ctx)) {
      if (!w?.preparedAt && !w?.openedAt) {
        reporter.info(`No rollback window in this migration (declined at the start, or the cutover has not prepared it): nothing to finish. To remove the migration's AWS resources: ${commandFor("cleanup", options)}`);
        reporter.json({ rollbackWindow: "none", changed: false });
        return;
      }
      if (w.finishedAt && cleanupDone) {
        reporter.success(`The rollback window ended at ${w.finishedAt} and the cleanup ran at ${readOutput(ctx, CLEANUP_STEP_ID)?.ranAt ?? "?"}: nothing left to do.`);
        reporter.json({ rollbackWindow: "finished", finishedAt: w.finishedAt, changed: false });
        return;
      }
      if (w.finishedAt) reporter.info(`The rollback window ended at ${w.finishedAt}; the cleanup continues.`);
    }
    // The cleanup looks everything up again, so a run stopped half-way continues where it was.
    const rec = ctx.state.steps[CLEANUP_STEP_ID];
    if (rec?.status === "done") rec.status = "pending";
    await runSteps([cleanupStep(makeDeps, { endRollbackWindow: true }, (report) => reporter.json(report))], ctx, { resumeCommand: commandFor("finish", options) });
  } finally {
    await session.close();
  }
}
