/**
 * The one context every step and migration service receives, and the contract a step fulfils.
 * Lives below the wizard (which runs steps) so services can take the context without reaching up.
 */
import type { AwsServices } from "../adapters/aws/ports.js";
import type { Clock } from "../core/clock.js";
import type { Secrets } from "../core/secrets.js";
import type { Finding, MigrationState } from "../state/schema.js";
import type { Prompter } from "../ui/prompter.js";
import type { Reporter } from "../ui/reporter.js";

/** Options every command accepts (README, "Commands"). */
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
  /**
   * The step cannot go on yet and nothing failed (cleanup while the rollback window is open): it
   * stays "pending" with this as its summary, and the run ends there without an error; the steps
   * after it do not run. Running it again (resume) asks it again.
   */
  waitsFor?: string;
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
