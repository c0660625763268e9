import { existsSync } from "node:fs";
import { CLEANUP_STEP_ID, cleanupStartedAt } from "../migration/cleanup/progress.js";
import { AppError, InterruptedError, OperationError } from "../core/errors.js";
import { type GlobalOptions, type Step } from "../migration/context.js";
import { firstUnfinished, runSteps } from "../wizard/runner.js";
import { type Session, type SessionIo, openSession } from "./session.js";
import { commandFor, resumeCommand } from "../state/paths.js";
import { readState } from "../state/store.js";
import { WIZARD_STEPS } from "../wizard/steps.js";
import { startRefusal } from "./start-refusal.js";
import { statusReport } from "./status.js";

/**
 * `start` (mode "new") and `resume`: runs the wizard's steps from the first unfinished one.
 * A failed step stays recorded as failed; the error then names the resume command.
 */
export async function runWizard(
  options: GlobalOptions,
  mode: "new" | "resume",
  io: SessionIo,
  steps: readonly Step[] = WIZARD_STEPS,
): Promise<void> {
  // A state file already there (often from a `start` that failed): say how to go on, or start over.
  // openSession checks again once it holds the lock.
  if (mode === "new" && existsSync(options.statePath)) {
    throw startRefusal(options, steps, await readState(options.statePath).catch(() => undefined));
  }
  const session = await openSession(options, mode, io);
  try {
    await wizard(session, options, mode, steps);
  } finally {
    // --json: the migration as `status --json` shows it, also when a step failed (which one, why).
    session.ctx.reporter.json(statusReport(session.ctx.state, options.statePath));
    await session.close();
  }
}

async function wizard(session: Session, options: GlobalOptions, mode: "new" | "resume", steps: readonly Step[]): Promise<void> {
  const { ctx } = session;
  const resume = resumeCommand(options);
  const cleaning = cleanupStartedAt(ctx.state);
  if (mode === "resume") {
    const next = firstUnfinished(steps, ctx.state);
    if (!next) {
      ctx.reporter.success(`Every step is done; nothing to resume. See \`${resume.replace(" resume", " status")}\`.`);
      return;
    }
    if (cleaning !== undefined && next.id !== CLEANUP_STEP_ID) {
      throw new OperationError(`Cleanup started at ${cleaning}, so the migration's resources are being removed: the wizard cannot go back to "${next.title}".`, {
        hint: `Finish the cleanup with \`${commandFor("cleanup", options)}\`, or start a new migration with another --state file.`,
      });
    }
    ctx.reporter.info(`Resuming at "${next.title}" (${ctx.options.statePath}).`);
  }
  try {
    // Once cleanup has started, what the done steps created is being deleted on purpose: not verified.
    const { waiting } = await runSteps(steps, ctx, { resumeCommand: resume, verifyDone: cleaning === undefined });
    // A step that waits (cleanup during the rollback window) has said what comes next.
    if (waiting) return;
    if (options.dryRun) ctx.reporter.success(`Dry run: all ${steps.length} steps walked through; nothing was changed and no state file was written.`);
    else ctx.reporter.success("Every step is done.");
  } catch (err) {
    if (err instanceof AppError && !(err instanceof InterruptedError)) {
      // A dry run saves nothing, so there is nothing to resume: the hint says so instead.
      // After a failed `start`, the state file exists: `start` again would be refused, so say `resume`.
      const notStart = mode === "new" ? ` (not \`start\`: ${options.statePath} now records this migration)` : "";
      const next = options.dryRun ? "This was a dry run: nothing was changed or saved. When that is fixed, run the dry run again." : `When that is fixed, continue with: ${resume}${notStart}`;
      throw Object.assign(err, { hint: [err.hint, next].filter(Boolean).join("\n") });
    }
    throw err;
  }
}
