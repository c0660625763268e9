import { instrumentServices } from "../../src/adapters/aws/instrument.js";
import { dryRunServices } from "../../src/adapters/aws/dry-run.js";
import { once } from "../../src/adapters/aws/lazy-client.js";
import type { AwsServices } from "../../src/adapters/aws/ports.js";
import { type Clock, systemClock } from "../../src/core/clock.js";
import type { GlobalOptions, StepContext } from "../../src/migration/context.js";
import { Secrets } from "../../src/core/secrets.js";
import { type Answer, type MigrationState, newState } from "../../src/state/schema.js";
import { AnsweringPrompter } from "../../src/ui/prompter.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

/** The statePath a test context names in its messages (see testContext). */
export const UNWRITABLE_STATE_PATH = "/nonexistent-aurora-migrate-test/state.json";

export interface TestContext extends StepContext {
  readonly reporter: MemoryReporter;
  /** A copy of the state at every save(), in order. */
  readonly saves: MigrationState[];
}

/**
 * A step context for tests: the real prompter answering from `config` (and defaults and
 * confirmations, as under --yes), a MemoryReporter, the system clock (or `clock`), saves kept
 * in memory, and `aws` (a fake) behind the same instrumentation a session puts around AWS.
 */
export function testContext(o: {
  sourceUrl: string;
  targetUrl?: string;
  config?: Record<string, Answer>;
  signal?: AbortSignal;
  dryRun?: boolean;
  state?: MigrationState;
  clock?: Clock;
  aws?: AwsServices;
}): TestContext {
  const state = o.state ?? newState("aurora-migrate@test", new Date());
  state.answers["source.url"] = o.sourceUrl;
  if (o.targetUrl) state.answers["target.url"] = o.targetUrl;
  const reporter = new MemoryReporter();
  const saves: MigrationState[] = [];
  // A path that cannot be written (its folder does not exist): saves stay in memory, and a code
  // path that wrote the state file itself would fail loudly instead of replacing a real file.
  const options: GlobalOptions = { statePath: UNWRITABLE_STATE_PATH, yes: true, json: false, dryRun: o.dryRun ?? false, verbose: false, color: false };
  return {
    state,
    options,
    reporter,
    prompter: new AnsweringPrompter({
      book: { get: (id) => state.answers[id], set: (id, v) => void (state.answers[id] = v) },
      config: o.config ?? {},
      yes: true,
      reporter,
    }),
    clock: o.clock ?? systemClock,
    signal: o.signal ?? new AbortController().signal,
    secrets: new Secrets(),
    saves,
    save: () => {
      saves.push(structuredClone(state));
      return Promise.resolve();
    },
    ...(o.aws ? { aws: once(() => Promise.resolve(servicesFor(o.aws as AwsServices, reporter, options.dryRun))) } : {}),
  };
}

/** As the session builds them: the dry-run port around the instrumented services under --dry-run. */
function servicesFor(aws: AwsServices, reporter: MemoryReporter, dryRun: boolean): AwsServices {
  const services = instrumentServices(aws, { reporter });
  return dryRun ? dryRunServices(services, { reporter }) : services;
}
