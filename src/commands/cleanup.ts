import type { CleanupDeps } from "../migration/cleanup/deps.js";
import { cleanupDepsFor } from "../migration/cleanup/aws-deps.js";
import { CLEANUP_STEP_ID } from "../migration/cleanup/progress.js";
import type { CleanupOptions } from "../migration/cleanup/run-cleanup.js";
import { type GlobalOptions, type StepContext } from "../migration/context.js";
import { runSteps } from "../wizard/runner.js";
import { type SessionIo, openSession } from "./session.js";
import { commandFor } from "../state/paths.js";
import { cleanupStep } from "../steps/cleanup.js";

/** `aurora-migrate cleanup`: the cleanup step, re-checked against reality on every run. */
export async function runCleanupCommand(
  options: GlobalOptions,
  flags: CleanupOptions,
  io: SessionIo,
  makeDeps: (ctx: StepContext) => CleanupDeps = cleanupDepsFor,
): Promise<void> {
  const session = await openSession(options, "resume", io);
  const { ctx } = session;
  try {
    // Cleanup looks everything up again, so a second run says what is already gone.
    const rec = ctx.state.steps[CLEANUP_STEP_ID];
    if (rec?.status === "done") rec.status = "pending";
    const again = commandFor("cleanup", options);
    // --json: what this run removed, what was already gone, what stays (and why).
    await runSteps([cleanupStep(makeDeps, flags, (report) => ctx.reporter.json(report))], ctx, { resumeCommand: again });
  } finally {
    await session.close();
  }
}
