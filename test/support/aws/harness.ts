import { once } from "../../../src/adapters/aws/lazy-client.js";
import { instrumentServices } from "../../../src/adapters/aws/instrument.js";
import type { Clock } from "../../../src/core/clock.js";
import { abortError } from "../../../src/core/abort.js";
import type { GlobalOptions, Step, StepContext } from "../../../src/migration/context.js";
import { Secrets } from "../../../src/core/secrets.js";
import { type Answer, type MigrationState, newState } from "../../../src/state/schema.js";
import type { SourcePreflightOutput } from "../../../src/migration/outputs/source-preflight.js";
import { AnsweringPrompter } from "../../../src/ui/prompter.js";
import { MemoryReporter } from "../../../src/ui/reporter.js";
import type { Terminal } from "../../../src/ui/terminal.js";
import { type FakeAws, SOURCE_SECRET_ARN } from "./fake-aws.js";
import { reachableAuroraAnswers } from "../reachable-aurora.js";

/** A clock whose sleeps return at once and move time forward: waits cost nothing in tests. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private t = Date.parse("2026-11-24T10:00:00Z")) {}
  now(): Date {
    return new Date(this.t);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

/** What steps 1 and 2 would have recorded for a source database. */
export function sourceState(sourceUrl: string, database: string, preflight?: Partial<SourcePreflightOutput>): MigrationState {
  const state = newState("aurora-migrate@test", new Date("2026-11-24T10:00:00Z"));
  state.answers["source.url"] = sourceUrl;
  state.outputs["source-connection"] = { serverVersion: "15.4", serverVersionNum: 150004, database, user: "postgres" };
  state.outputs["source-preflight"] = plausiblePreflight(preflight);
  return state;
}

export function plausiblePreflight(over: Partial<SourcePreflightOutput> = {}): SourcePreflightOutput {
  return {
    schemas: ["public", "app_data"],
    serverVersionNum: 150004,
    databaseSizeBytes: 3 * 1024 ** 3,
    tableCount: 12,
    largestTables: [{ schema: "public", table: "events", sizeBytes: 2 * 1024 ** 3, rowEstimate: 9_000_000 }],
    lobColumns: [{ schema: "public", table: "events", column: "payload", type: "jsonb", maxBytes: 150_000 }],
    maxLobBytes: 150_000,
    suggestedInstanceClass: "dms.t3.medium",
    instanceClassReason: "database 3.0 GiB",
    tablesWithoutPrimaryKey: [],
    ...over,
  };
}

/** A step standing in for the source preflight (step 2 is built elsewhere): records a plausible output. */
export function recordingPreflightStep(over: Partial<SourcePreflightOutput> = {}): Step {
  return {
    id: "source-preflight",
    title: "Source preflight (test stand-in)",
    run: (ctx) => {
      ctx.state.outputs["source-preflight"] = plausiblePreflight(over);
      return Promise.resolve({ summary: "test stand-in" });
    },
  };
}

/** A step that does nothing: stands in for steps built on other branches (schema load, restore). */
export function noOpStep(id: string, title: string): Step {
  return { id, title: `${title} (no-op in this test)`, run: () => Promise.resolve({ summary: "no-op" }) };
}

/**
 * Config answers that let steps 3–11 run unattended (no secret needs a terminal): the source
 * endpoint reads a secret of the user's (the fake holds it); the target's login goes into a
 * secret the wizard makes from RDS's master secret (the default).
 */
export const UNATTENDED_ANSWERS: Record<string, Answer> = {
  "dms.source.credentials": "secret",
  "dms.source.credentialsArn": SOURCE_SECRET_ARN,
};

export function testOptions(over: Partial<GlobalOptions> = {}): GlobalOptions {
  return { statePath: "/tmp/not-written.state.json", yes: true, json: false, dryRun: false, verbose: false, color: false, ...over };
}

export interface Harness {
  ctx: StepContext;
  reporter: MemoryReporter;
  clock: FakeClock;
  state: MigrationState;
  /** Snapshots of the state at every save (what a crash would leave on disk). */
  saved: MigrationState[];
}

/** A step context over the fake AWS, answering from `answers` (as --config) with --yes. */
export function harness(fake: FakeAws, state: MigrationState, o: { answers?: Record<string, Answer>; options?: Partial<GlobalOptions>; terminal?: Terminal; secrets?: Record<string, string> } = {}): Harness {
  const options = testOptions(o.options);
  const reporter = new MemoryReporter(false, options.verbose);
  const clock = new FakeClock();
  const secrets = new Secrets();
  for (const [k, v] of Object.entries(o.secrets ?? {})) secrets.set(k, v);
  const saved: MigrationState[] = [];
  const prompter = new AnsweringPrompter({
    book: { get: (id) => state.answers[id], set: (id, v) => void (state.answers[id] = v) },
    config: { ...UNATTENDED_ANSWERS, ...reachableAuroraAnswers(), ...(o.answers ?? {}) },
    yes: options.yes,
    reporter,
    ...(o.terminal ? { terminal: o.terminal } : {}),
  });
  const ctx: StepContext = {
    state,
    options,
    prompter,
    reporter,
    clock,
    signal: new AbortController().signal,
    secrets,
    save: () => {
      saved.push(structuredClone(state));
      return Promise.resolve();
    },
    aws: once(() => Promise.resolve(instrumentServices(fake, { reporter, dryRun: options.dryRun, redact: (t) => secrets.redact(t) }))),
  };
  return { ctx, reporter, clock, state, saved };
}
