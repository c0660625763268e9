import { existsSync } from "node:fs";
import type { AwsServicesFactory } from "../adapters/aws/ports.js";
import { once } from "../adapters/aws/lazy-client.js";
import { readConfig } from "./config.js";
import { type Clock, systemClock } from "../core/clock.js";
import { UsageError } from "../core/errors.js";
import type { GlobalOptions, StepContext } from "../migration/context.js";
import { Secrets } from "../core/secrets.js";
import { acquireLock, type StateLock } from "../state/lock.js";
import { type MigrationState, newState } from "../state/schema.js";
import { readState, writeStateAtomic } from "../state/store.js";
import { checkRecordedOutputs } from "../migration/outputs/read.js";
import { recordAnswer, stateAnswerBook } from "../state/answers.js";
import { WAL_BUDGET_QUESTION, parseWalBudget } from "../plan/wal-retention.js";
import { resumeCommand } from "../state/paths.js";
import type { Answer } from "../state/schema.js";
import { AnsweringPrompter, type Prompter } from "../ui/prompter.js";
import type { Reporter } from "../ui/reporter.js";
import type { Terminal } from "../ui/terminal.js";
import { VERSION } from "../core/version.js";

export interface SessionIo {
  reporter: Reporter;
  /** Undefined when nobody can be asked (no TTY). */
  terminal?: Terminal;
  signal: AbortSignal;
  clock?: Clock;
  /** Answers given as flags (e.g. --source), treated like --config answers. */
  flagAnswers?: Record<string, Answer>;
  /** Replaces the prompter (tests). */
  prompter?: (state: MigrationState) => Prompter;
  /** Builds the AWS services on first use (the CLI's real clients, the demo's stand-in, a test's fake). */
  aws?: AwsServicesFactory;
}

export interface Session {
  ctx: StepContext;
  close(): Promise<void>;
}

/**
 * The services steps see: built once, on first use, with every call's errors explained and,
 * under --dry-run, the dry-run port around them: reads made, writes printed and planned
 * instead of made (adapters/aws/dry-run.ts).
 */
function awsServices(factory: AwsServicesFactory, options: GlobalOptions, state: MigrationState, reporter: Reporter, secrets: Secrets): NonNullable<StepContext["aws"]> {
  return once(async () => {
    const { instrumentServices } = await import("../adapters/aws/instrument.js");
    const region = pinRegion(state, options.region);
    const config = { ...(region ? { region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
    const redact = (t: string): string => secrets.redact(t);
    const services = instrumentServices(await factory(config), { reporter, redact, ...(options.profile ? { profile: options.profile } : {}) });
    if (!options.dryRun) return services;
    const { dryRunServices } = await import("../adapters/aws/dry-run.js");
    return dryRunServices(services, { reporter, redact });
  });
}

/** The answer that pins a migration to the AWS region its resources were created in. */
export const REGION_ANSWER = "aws.region";

/**
 * Every AWS resource of a migration lives in one region. The first --region given is recorded;
 * a later run without --region uses it, and one with another region is refused, because its
 * lookups would find none of the recorded resources (and might create duplicates elsewhere).
 */
export function pinRegion(state: MigrationState, given: string | undefined): string | undefined {
  const recorded = state.answers[REGION_ANSWER];
  if (typeof recorded === "string" && given !== undefined && given !== recorded) {
    throw new UsageError(`This migration's AWS resources are in ${recorded}, but --region ${given} was given.`, {
      hint: `Run again with --region ${recorded} (or without --region). To migrate in another region, start a new migration with another --state file.`,
    });
  }
  if (given !== undefined) state.answers[REGION_ANSWER] = given;
  return given ?? (typeof recorded === "string" ? recorded : undefined);
}

/**
 * A disk budget given by --wal-budget or --config is recorded at once: the WAL guard reads it in
 * every wait until cleanup, long after step 2 asked (a later resume may change it). A bad one is
 * refused before anything runs.
 */
export function recordWalBudget(state: MigrationState, config: Readonly<Record<string, Answer>>, at: Date): void {
  const given = config[WAL_BUDGET_QUESTION];
  if (given === undefined) return;
  const parsed = typeof given === "string" ? parseWalBudget(given) : { ok: false as const, problem: `expected text such as 200GB, got ${JSON.stringify(given)}` };
  if (!parsed.ok) throw new UsageError(`The disk budget (${WAL_BUDGET_QUESTION}, --wal-budget) is not valid: ${parsed.problem}.`);
  recordAnswer(state, WAL_BUDGET_QUESTION, (given as string).trim(), at, "config");
}

/**
 * Opens the state file (a new one for `start`, the existing one for `resume`), takes its lock
 * and builds the context steps run in. Saving is serialised, so a step's save and the
 * runner's never interleave.
 */
export async function openSession(options: GlobalOptions, mode: "new" | "resume", io: SessionIo): Promise<Session> {
  const clock = io.clock ?? systemClock;
  const config = options.configPath ? await readConfig(options.configPath, (t) => io.reporter.warn(t)) : {};
  Object.assign(config, io.flagAnswers ?? {});
  const lock: StateLock = await acquireLock(options.statePath, mode === "new" ? "start" : "resume");
  let state: MigrationState;
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    // --dry-run changes nothing, the state file included: what it "created" lives in memory only.
    if (options.dryRun) return saving;
    state.updatedAt = clock.now().toISOString();
    const snapshot = structuredClone(state);
    saving = saving.then(() => writeStateAtomic(options.statePath, snapshot));
    return saving;
  };
  try {
    if (mode === "new") {
      if (existsSync(options.statePath)) {
        throw new UsageError(`A migration is already recorded in ${options.statePath}.`, {
          hint: `Continue it with \`${resumeCommand(options)}\`, or pass --state with another path to start a new one.`,
        });
      }
      state = newState(`aurora-migrate@${VERSION}`, clock.now());
      await save();
    } else {
      state = await readState(options.statePath);
      checkRecordedOutputs(state, options.statePath);
    }
    recordWalBudget(state, config, clock.now());
  } catch (err) {
    await lock.release();
    throw err;
  }
  const prompter =
    io.prompter?.(state) ??
    new AnsweringPrompter({
      book: stateAnswerBook(state, clock),
      config,
      ...(options.configPath ? { configPath: options.configPath } : {}),
      ...(io.terminal ? { terminal: io.terminal } : {}),
      yes: options.yes,
      reporter: io.reporter,
    });
  const secrets = new Secrets();
  const ctx: StepContext = {
    state,
    options,
    prompter,
    reporter: io.reporter,
    clock,
    signal: io.signal,
    secrets,
    save,
    ...(io.aws ? { aws: awsServices(io.aws, options, state, io.reporter, secrets) } : {}),
  };
  return {
    ctx,
    close: async () => {
      await saving.catch(() => undefined);
      await lock.release();
    },
  };
}
