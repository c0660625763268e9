import { AppError, InterruptedError, OperationError, errorMessage, isAbort } from "./errors.js";
import type { Clock } from "./clock.js";
import type { Finding, MigrationState, StepRecord } from "./state/schema.js";
import type { Prompter } from "./ui/prompter.js";
import type { Reporter } from "./ui/reporter.js";
import type { Secrets } from "./secrets.js";
import type { AwsServices } from "./adapters/aws/ports.js";

/** Options every command accepts (product.md, "Common options"). */
export interface GlobalOptions {
  statePath: string;
  configPath?: string;
  yes: boolean;
  json: boolean;
  dryRun: boolean;
  verbose: boolean;
  color: boolean;
  region?: string;
  profile?: string;
}

/** What every step may use. Nothing in a step touches process.*, the SDK or the terminal directly. */
export interface StepContext {
  readonly state: MigrationState;
  readonly options: GlobalOptions;
  readonly prompter: Prompter;
  readonly reporter: Reporter;
  readonly clock: Clock;
  /** Aborts on Ctrl-C; pass it to every wait. */
  readonly signal: AbortSignal;
  /** Passwords and tokens for this process only; never saved. */
  readonly secrets: Secrets;
  /** Persists the state now (after creating a resource, say), not only at the end of the step. */
  save(): Promise<void>;
  /**
   * The AWS services (real clients, the demo's stand-in, or a test's fake), built on first
   * use. Absent where a command never talks to AWS; steps that need it say so.
   */
  readonly aws?: () => Promise<AwsServices>;
}

export interface StepOutcome {
  /** One line for `status`. */
  summary?: string;
  findings?: Finding[];
}

export interface Step<C extends StepContext = StepContext> {
  /** Persisted in state files: never rename one, add a new step instead. */
  readonly id: string;
  readonly title: string;
  run(ctx: C): Promise<StepOutcome | void>;
  /**
   * For a step that cannot simulate itself under --dry-run (it changes databases, not AWS):
   * what it would do. The runner prints this and does not call run().
   */
  readonly dryRunPlan?: string;
  /**
   * Called on `resume` for a step already done, to notice that what it recorded is gone
   * (a deleted endpoint). Throw an AppError saying what is missing and what to do.
   */
  verify?(ctx: C): Promise<void>;
  /**
   * The step answers Ctrl-C itself (it undoes what it did, e.g. lifts a write freeze, before it
   * ends): the runner waits for it instead of abandoning it at once. It may throw its own
   * InterruptedError to say what was left in which state.
   */
  readonly finishesOnAbort?: boolean;
}

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

/**
 * Runs the steps in order, skipping those done earlier, recording each one's status,
 * timestamps and findings, and saving after every change. Ctrl-C (the context's signal)
 * records the step as interrupted and throws an InterruptedError naming the resume command.
 */
export async function runSteps<C extends StepContext>(steps: readonly Step<C>[], ctx: C, options: RunStepsOptions): Promise<void> {
  const { state, reporter, clock } = ctx;
  const total = steps.length;
  for (const [index, step] of steps.entries()) {
    const label = `Step ${index + 1}/${total}: ${step.title}`;
    const rec = record(state, step.id);
    if (rec.status === "done") {
      if (step.verify && options.verifyDone !== false) {
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
    rec.status = "done";
    delete rec.lastFailure;
    rec.finishedAt = clock.now().toISOString();
    if (outcome?.summary) rec.summary = outcome.summary;
    if (outcome?.findings) rec.findings = outcome.findings;
    await ctx.save();
  }
}

/** Stops waiting for `work` as soon as the signal aborts, so Ctrl-C is answered at once. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortErr());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined);
      reject(abortErr());
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function abortErr(): Error {
  const e = new Error("Interrupted");
  e.name = "AbortError";
  return e;
}
