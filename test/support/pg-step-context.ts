import { systemClock } from "../../src/core/clock.js";
import type { StepContext } from "../../src/migration/context.js";
import { Secrets } from "../../src/core/secrets.js";
import { type Answer, type MigrationState, newState } from "../../src/state/schema.js";
import { AnsweringPrompter } from "../../src/ui/prompter.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

export interface TestStepContext extends StepContext {
  readonly reporter: MemoryReporter;
  /** How many times the step asked for the state to be saved. */
  saves: number;
}

/**
 * A step context as the wizard builds it, answered from `answers` (like --config --yes),
 * reporting into memory. The state is shared when passed in, so steps can follow each other.
 */
export function stepContext(answers: Record<string, Answer>, state: MigrationState = newState("test", new Date())): TestStepContext {
  const reporter = new MemoryReporter();
  const ctx: TestStepContext = {
    state,
    options: { statePath: "test.state.json", yes: true, json: false, dryRun: false, verbose: false, color: false },
    prompter: new AnsweringPrompter({
      book: { get: (id) => state.answers[id], set: (id, v) => void (state.answers[id] = v) },
      config: answers,
      yes: true,
      reporter,
    }),
    reporter,
    clock: systemClock,
    signal: new AbortController().signal,
    secrets: new Secrets(),
    saves: 0,
    save: () => {
      ctx.saves += 1;
      return Promise.resolve();
    },
  };
  return ctx;
}
