import { AppError, InterruptedError, OperationError, errorMessage, isAbort } from "../core/errors.js";
import type { Step, StepContext, StepOutcome } from "../migration/context.js";
import { untilAborted } from "../core/abort.js";
import type { MigrationState, StepRecord } from "../state/schema.js";

export interface RunStepsOptions {
  /** Printed in the interruption message, e.g. `aurora-migrate resume --state ./x.json`. */
  resumeCommand: string;
  /**
   * Whether done steps are verified (Step.verify) before going on; default true. False once
   * cleanup has started: it deletes what those steps created, on purpose.
   */
  verifyDone?: boolean;
}

function record(state: MigrationState, id: string): StepRecord {
  let r = state.steps[id];
  if (!r) {
    r = { status: "pending", attempts: 0, findings: [] };
    state.steps[id] = r;
  }
  return r;
}

/** The first step that is not done, or undefined when all are. */
export function firstUnfinished(steps: readonly Step<never>[], state: MigrationState): Step<never> | undefined {
  return steps.find((s) => state.steps[s.id]?.status !== "done");
}

/** How a run ended without an error: every step done, or one waiting (StepOutcome.waitsFor). */
export interface RunStepsResult<C extends StepContext> {
  waiting?: { step: Step<C>; for: string };
}

/**
 * Runs the steps in order, skipping those done earlier, recording each one's status,
 * timestamps and findings, and saving after every change. Ctrl-C (the context's signal)
 * records the step as interrupted and throws an InterruptedError naming the resume command.
 */
export async function runSteps<C extends StepContext>(steps: readonly Step<C>[], ctx: C, options: RunStepsOptions): Promise<RunStepsResult<C>> {
  const { state, reporter, clock } = ctx;
  const total = steps.length;
  for (const [index, step] of steps.entries()) {
    const label = `Step ${index + 1}/${total}: ${step.title}`;
    const rec = record(state, step.id);
    if (rec.status === "done") {
      // A dry run takes what the state records as there: it may have no access to AWS to look.
      if (step.verify && options.verifyDone !== false && !ctx.options.dryRun) {
        await step.verify(ctx);
      }
      reporter.info(reporter.color.dim(`✔ ${label} (done ${rec.finishedAt ?? "earlier"}${rec.summary ? `: ${rec.summary}` : ""})`));
      continue;
    }
    reporter.heading(label);
    // A retry after a failure keeps how it failed, so the step's questions are asked again (ui/prompter.ts).
    if (rec.status === "failed" && rec.error) rec.lastFailure = { ...rec.error, ...(rec.finishedAt ? { at: rec.finishedAt } : {}) };
    rec.status = "running";
    rec.startedAt = clock.now().toISOString();
    rec.attempts += 1;
    delete rec.error;
    delete rec.finishedAt;
    await ctx.save();

    let outcome: StepOutcome | void;
    // A failure leaves the step "failed" in the state; the caller prints how to resume.
    try {
      if (ctx.options.dryRun && step.dryRunPlan) {
        reporter.info(`Dry run: would ${step.dryRunPlan} Nothing was changed.`);
        outcome = { summary: "dry run: nothing changed" };
      } else {
        outcome = step.finishesOnAbort ? await step.run(ctx) : await untilAborted(step.run(ctx), ctx.signal);
      }
    } catch (err) {
      if (isAbort(err) || ctx.signal.aborted || err instanceof InterruptedError) {
        rec.status = "interrupted";
        await ctx.save();
        if (ctx.options.dryRun) {
          throw new InterruptedError(`Dry run interrupted during step ${index + 1} (${step.title}). Nothing was changed or saved.`, { hint: "Run the dry run again to see the whole plan." });
        }
        if (err instanceof InterruptedError) throw err;
        throw new InterruptedError(`Interrupted during step ${index + 1} (${step.title}). Progress is saved in ${ctx.options.statePath}.`, {
          hint: `Continue with: ${options.resumeCommand}`,
        });
      }
      rec.status = "failed";
      rec.finishedAt = clock.now().toISOString();
      const appErr = err instanceof AppError ? err : new OperationError(errorMessage(err), { cause: err });
      rec.error = { message: appErr.message, ...(appErr.hint ? { hint: appErr.hint } : {}) };
      await ctx.save();
      throw appErr;
    }
    if (outcome?.waitsFor) {
      rec.status = "pending";
      rec.summary = outcome.waitsFor;
      await ctx.save();
      return { waiting: { step, for: outcome.waitsFor } };
    }
    rec.status = "done";
    delete rec.lastFailure;
    rec.finishedAt = clock.now().toISOString();
    if (outcome?.summary) rec.summary = outcome.summary;
    if (outcome?.findings) rec.findings = outcome.findings;
    await ctx.save();
  }
  return {};
}
