import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { Q } from "../../src/migration/cutover/questions.js";
import { cutoverOutput } from "../../src/migration/cutover/output.js";
import { systemClock } from "../../src/core/clock.js";
import { OperationError } from "../../src/core/errors.js";
import { runSteps } from "../../src/wizard/runner.js";
import { stateAnswerBook } from "../../src/state/answers.js";
import { type Answer, type MigrationState, newState } from "../../src/state/schema.js";
import { cutoverStep } from "../../src/steps/cutover.js";
import { AnsweringPrompter } from "../../src/ui/prompter.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { seedMigration } from "../support/aws/seed.js";
import { replicate } from "../support/replication.js";
import { type TestContext, testContext } from "../support/step-context.js";

// As cutover-run.test.ts: the source a server of its own (the freeze changes roles), the
// target the shared one, a logical-replication subscription playing DMS's CDC.
let source: PgServer;
let target: TestDatabase;
let dir: string;
let stream: { stop(): Promise<void> };

beforeAll(async () => {
  source = await startPgServer({ name: "cutover-retry" });
  await source.sql("CREATE ROLE shop LOGIN");
});
afterAll(async () => {
  await source?.stop();
});
beforeEach(async () => {
  await source.createDatabase("shop");
  target = await freshDatabase("target", "retry");
  dir = mkdtempSync(join(tmpdir(), "cutover-retry-"));
  stream = await replicate({
    sourceUrl: source.url("shop"),
    sourcePort: source.port,
    sourceDb: "shop",
    targetUrl: target.url,
    ddl: "CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL)",
    tables: ["orders"],
    name: `sub_${target.name}`,
  });
  await source.sql("GRANT ALL ON orders, orders_id_seq TO shop", "shop");
  await target.sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shop') THEN CREATE ROLE shop LOGIN; END IF; END $$");
  await target.sql("GRANT ALL ON orders, orders_id_seq TO shop");
});
afterEach(async () => {
  await stream.stop();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A cutover run as a session makes it: the state's answer book (with its history) and --config. */
function context(state: MigrationState, fake: FakeAws, config: Record<string, Answer>): TestContext {
  const ctx = testContext({ sourceUrl: source.url("shop"), targetUrl: target.url, aws: fake, state });
  const prompter = new AnsweringPrompter({ book: stateAnswerBook(state, systemClock), config, configPath: "answers.json", yes: true, reporter: ctx.reporter });
  return { ...ctx, prompter };
}

describe("cutover retried with a fixed switch hook", () => {
  it("GIVEN a cutover whose recorded switch hook failed WHEN it is run again with a fixed hook in --config THEN the fixed hook is the one that runs, and the state keeps the broken one in its history", async () => {
    const fake = new FakeAws({ latency: [{ source: 1, target: 2 }] });
    const seeded = await seedMigration(fake);
    const state = newState("aurora-migrate@test", new Date());
    state.outputs["dms-task"] = seeded.task;
    const base = { [Q.freezeRoles]: ["shop"], [Q.drainTimeout]: 30 };
    const broken = `echo broken >> ${dir}/ran; exit 7`;
    const fixed = `echo fixed >> ${dir}/ran; printf '%s' "$DATABASE_URL" > ${dir}/switched`;

    const first = context(state, fake, { ...base, [Q.switchHook]: broken });
    const err = await runSteps([cutoverStep(cutoverDepsFor)], first, { resumeCommand: "aurora-migrate cutover" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect(state.steps["cutover"]?.status).toBe("failed");
    expect(state.answers[Q.switchHook]).toBe(broken);

    const second = context(state, fake, { ...base, [Q.switchHook]: fixed });
    await runSteps([cutoverStep(cutoverDepsFor)], second, { resumeCommand: "aurora-migrate cutover" });
    expect(readFileSync(join(dir, "ran"), "utf8")).toBe("broken\nfixed\n");
    expect(existsSync(join(dir, "switched"))).toBe(true);
    expect(cutoverOutput({ state }).report?.outcome).toBe("switched");
    expect(state.steps["cutover"]?.status).toBe("done");
    expect(second.reporter.text).toContain(`answer ${Q.switchHook} changed from ${JSON.stringify(broken)} to ${JSON.stringify(fixed)}`);
    expect(state.answers[Q.switchHook]).toBe(fixed);
    expect(state.answerHistory[Q.switchHook]?.map((h) => h.value)).toEqual([broken]);
  }, 60_000);
});
