/** The wizard's step 2 on the shared source: questions, recorded output, blockers and resume. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { BlockedError } from "../../src/core/errors.js";
import { type StepContext } from "../../src/migration/context.js";
import { runSteps } from "../../src/wizard/runner.js";
import { Secrets } from "../../src/core/secrets.js";
import { type Answer, newState } from "../../src/state/schema.js";
import { sourcePreflightStep } from "../../src/steps/source-preflight.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { AnsweringPrompter } from "../../src/ui/prompter.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { ScriptedTerminal } from "../support/scripted-terminal.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "pf_step");
  await db.sql(`CREATE SCHEMA billing; CREATE SCHEMA empty_one;
    CREATE TABLE public.users (id int PRIMARY KEY, bio text); INSERT INTO public.users VALUES (1, repeat('b', 1234));
    CREATE TABLE billing.invoices (id int PRIMARY KEY, lines jsonb)`);
});
afterAll(async () => {
  await db?.drop();
});

/** A context as `start --yes` builds it, with the source URL already answered by step 1. */
function contextFor(config: Record<string, Answer> = {}): StepContext & { reporter: MemoryReporter } {
  const state = newState("aurora-migrate@test", new Date());
  state.answers["source.url"] = db.url;
  const reporter = new MemoryReporter();
  const prompter = new AnsweringPrompter({
    book: { get: (id) => state.answers[id], set: (id, v) => void (state.answers[id] = v) },
    config,
    yes: true,
    reporter,
  });
  return { state, options: { statePath: "unused", yes: true, json: false, dryRun: false, verbose: false, color: false }, prompter, reporter, clock: systemClock, signal: new AbortController().signal, secrets: new Secrets(), save: () => Promise.resolve() };
}

const run = (ctx: StepContext) => runSteps([sourcePreflightStep], ctx, { resumeCommand: "aurora-migrate resume" });

describe("step 2: source preflight", () => {
  it("GIVEN a disk budget that is no size WHEN given in --config THEN it is refused naming the key and an example", async () => {
    const err = await run(contextFor({ "source.walBudget": "lots" })).catch((e: unknown) => e);
    expect((err as Error).message).toBe('The --config answer "source.walBudget" is not valid: expected a size such as 200GB or 1.5TB (or empty for none), got "lots".');
  });

  it("GIVEN --yes WHEN the step runs THEN it chooses every schema that has tables, records the output later steps read, and the findings", async () => {
    const ctx = contextFor();
    await run(ctx);
    expect(ctx.state.answers["source.schemas"]).toEqual(["billing", "public"]);
    // --yes: no disk budget, max_slot_wal_keep_size alone is the WAL guard's limit.
    expect(ctx.state.answers["source.walBudget"]).toBe("");
    const output = readOutput(ctx, "source-preflight");
    expect(output?.schemas).toEqual(["billing", "public"]);
    expect(output?.tableCount).toBe(2);
    expect(output?.maxLobBytes).toBe(1234);
    expect(output?.suggestedInstanceClass).toBe("dms.t3.medium");
    expect(output?.dmsCidr).toBeUndefined();
    const record = ctx.state.steps["source-preflight"];
    expect(record?.status).toBe("done");
    expect(record?.findings.some((f) => f.check === "lobs.largest")).toBe(true);
    expect(ctx.reporter.text).toContain("Largest LOB value: 1.2 KiB");
  });

  it("GIVEN a blocker THEN the step fails with exit 3 listing the fix; after the fix, running again (resume) passes without asking again", async () => {
    await db.sql("CREATE TABLE public.tagged (tags text[])");
    const ctx = contextFor({ "source.schemas": ["public"] });
    const err = await run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(3);
    expect((err as BlockedError).details.join("\n")).toContain("ALTER TABLE public.tagged ADD PRIMARY KEY (<column>);");
    const failed = ctx.state.steps["source-preflight"];
    expect(failed?.status).toBe("failed");
    expect(failed?.findings.filter((f) => f.severity === "blocker").map((f) => f.check)).toContain("tables.array_without_pk");
    expect(readOutput(ctx, "source-preflight")).toBeUndefined();

    await db.sql("ALTER TABLE public.tagged ADD COLUMN id serial PRIMARY KEY");
    // The answers are recorded: a prompter with no config and no terminal could not answer again.
    const resumed: StepContext = { ...ctx, prompter: new AnsweringPrompter({ book: { get: (id) => ctx.state.answers[id], set: () => undefined }, config: {}, yes: false, reporter: ctx.reporter }) };
    await run(resumed);
    expect(ctx.state.steps["source-preflight"]?.status).toBe("done");
    expect(readOutput(ctx, "source-preflight")).toMatchObject({ schemas: ["public"] });
    await db.sql("DROP TABLE public.tagged");
  });

  it("GIVEN a terminal WHEN step 2 runs THEN it asks for the schemas, the rollback window and the WAL disk budget (not the replication instance's address, which step 4 creates) and its pg_hba note points to steps 4 and 5", async () => {
    const ctx = contextFor();
    const terminal = new ScriptedTerminal({ "source.schemas": ["public"], "rollback.window": true, "source.walBudget": " 200GB " });
    const prompter = new AnsweringPrompter({ book: { get: (id) => ctx.state.answers[id], set: (id, v) => void (ctx.state.answers[id] = v) }, config: {}, yes: false, reporter: ctx.reporter, terminal });
    await run({ ...ctx, prompter });
    expect(terminal.asked).toEqual(["source.schemas", "rollback.window", "source.walBudget"]);
    expect(ctx.state.answers["source.walBudget"]).toBe("200GB");
    const hba = ctx.state.steps["source-preflight"]?.findings.find((f) => f.check === "access.pg_hba_database");
    expect(hba?.fix).toContain("step 4 creates the instance and prints this line with its address; step 5's connection test checks it");
    expect(hba?.fix).not.toContain("--dms-cidr");
  });
});
