import { AppError, InterruptedError } from "../errors.js";
import { type GlobalOptions, firstUnfinished, runSteps, type Step } from "../runner.js";
import { type SessionIo, openSession } from "../session.js";
import { resumeCommand } from "../state/paths.js";
import { WIZARD_STEPS } from "../steps/index.js";

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
  const session = await openSession(options, mode, io);
  const { ctx } = session;
  const resume = resumeCommand(options);
  try {
    if (mode === "resume") {
      const next = firstUnfinished(steps, ctx.state);
      if (!next) {
        ctx.reporter.success(`Every step is done; nothing to resume. See \`${resume.replace(" resume", " status")}\`.`);
        return;
      }
      ctx.reporter.info(`Resuming at "${next.title}" (${ctx.options.statePath}).`);
    }
    await runSteps(steps, ctx, { resumeCommand: resume });
    if (options.dryRun) ctx.reporter.success(`Dry run: all ${steps.length} steps walked through; nothing was changed and no state file was written.`);
    else ctx.reporter.success("Every step is done.");
  } catch (err) {
    // A dry run saves nothing, so there is nothing to resume: the hint says so instead.
    if (err instanceof AppError && !(err instanceof InterruptedError) && options.dryRun) {
      const hint = [err.hint, "This was a dry run: nothing was changed or saved. When that is fixed, run the dry run again."].filter(Boolean).join("\n");
      throw Object.assign(err, { hint });
    }
    if (err instanceof AppError && !(err instanceof InterruptedError)) {
      const hint = [err.hint, `When that is fixed, continue with: ${resume}`].filter(Boolean).join("\n");
      throw Object.assign(err, { hint });
    }
    throw err;
  } finally {
    await session.close();
  }
}
