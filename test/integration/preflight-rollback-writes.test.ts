/** The rollback window's preflight on a real server: the DMS login must be able to write the migrated tables back, as DMS does (issue 14, item 1). */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { Secrets } from "../../src/core/secrets.js";
import type { StepContext } from "../../src/migration/context.js";
import { readRollbackWriteFacts } from "../../src/adapters/postgres/source-facts/rollback-writes.js";
import { rollbackWriteFinding } from "../../src/plan/preflight/rollback-writes.js";
import { type Answer, newState } from "../../src/state/schema.js";
import { sourcePreflightStep } from "../../src/steps/source-preflight.js";
import { runSteps } from "../../src/wizard/runner.js";
import { AnsweringPrompter } from "../../src/ui/prompter.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { type TestDatabase, freshDatabase, sharedServerInfo } from "../support/databases.js";

let db: TestDatabase;
const login = `dms_rb_${randomBytes(3).toString("hex")}`;
beforeAll(async () => {
  db = await freshDatabase("source", "pf_rbw");
  await db.sql(`CREATE SCHEMA billing;
    CREATE TABLE public.users (id int PRIMARY KEY); CREATE TABLE public.orders (id int PRIMARY KEY);
    CREATE TABLE billing.invoices (id int PRIMARY KEY); CREATE TABLE billing."Line Items" (id int PRIMARY KEY);
    CREATE ROLE ${login} LOGIN REPLICATION;
    GRANT USAGE ON SCHEMA billing TO ${login}; GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO ${login};
    GRANT INSERT, UPDATE, DELETE ON public.orders TO ${login}; GRANT INSERT ON billing."Line Items" TO ${login}`);
});
afterAll(async () => {
  // Its grants first (DROP OWNED revokes them), then the role, then the database: nothing left on the shared server.
  await db?.sql(`DROP OWNED BY ${login}; DROP ROLE IF EXISTS ${login}`);
  await db?.drop();
});

async function factsAs(user: string) {
  const client = new pg.Client({ connectionString: db.urlAs(user) });
  await client.connect();
  try {
    return await readRollbackWriteFacts(client, ["billing", "public"]);
  } finally {
    await client.end();
  }
}

describe("preflight: the old server accepts the DMS login's writes (rollback window)", () => {
  it("GIVEN a login without write grants nor the right to set session_replication_role WHEN checked THEN a warning names what is missing, with the exact GRANTs; after running them as printed the check is clean", async () => {
    const finding = rollbackWriteFinding(await factsAs(login));
    expect(finding).toMatchObject({ check: "rollback.writes", severity: "warning", title: "The old server would refuse the rollback window's writes" });
    expect(finding?.found).toContain(`${login} cannot write 3 of the 4 migrated table(s):`);
    expect(finding?.found).toContain('billing."Line Items": no UPDATE, DELETE');
    expect(finding?.found).toContain("public.users: no INSERT, UPDATE, DELETE");
    expect(finding?.found).toContain("cannot set session_replication_role");
    expect(finding?.found).toContain("The migration goes on; the rollback window will not work until this is fixed.");
    const fix = finding?.fix ?? "";
    // Every table of billing lacks a grant: the whole schema; in public only users does.
    expect(fix).toContain(`  GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA billing TO ${login};`);
    expect(fix).toContain(`  GRANT INSERT, UPDATE, DELETE ON public.users TO ${login};`);
    const major = sharedServerInfo("source").major;
    if (major >= 15) expect(fix).toContain(`  GRANT SET ON PARAMETER session_replication_role TO ${login};`);
    else expect(fix).toContain(`ALTER ROLE ${login} SUPERUSER;`);

    // The fix, run as printed (as a superuser), leaves nothing to report.
    const statements = major >= 15 ? fix.split("\n").filter((l) => l.startsWith("  ")).map((l) => l.trim()) : [...fix.split("\n").filter((l) => l.startsWith("  GRANT")).map((l) => l.trim()), `ALTER ROLE ${login} SUPERUSER;`];
    for (const s of statements) await db.sql(s);
    const after = await factsAs(login);
    expect(after.canSetReplicationRole).toBe(true);
    expect(after.tables.every((t) => t.missing.length === 0)).toBe(true);
    expect(rollbackWriteFinding(after)).toBeUndefined();
    if (major >= 15) await db.sql(`REVOKE SET ON PARAMETER session_replication_role FROM ${login}`);
    else await db.sql(`ALTER ROLE ${login} NOSUPERUSER`);
  });

  it("GIVEN a superuser WHEN checked THEN nothing is reported, and the check wrote nothing (the SET was rolled back)", async () => {
    const facts = await factsAs("postgres");
    expect(facts.superuser).toBe(true);
    expect(rollbackWriteFinding(facts)).toBeUndefined();
  });
});

function contextFor(config: Record<string, Answer>): StepContext & { reporter: MemoryReporter } {
  const state = newState("aurora-migrate@test", new Date());
  state.answers["source.url"] = db.urlAs(login);
  const reporter = new MemoryReporter();
  const prompter = new AnsweringPrompter({ book: { get: (id) => state.answers[id], set: (id, v) => void (state.answers[id] = v) }, config, yes: true, reporter });
  return { state, options: { statePath: "unused", yes: true, json: false, dryRun: false, verbose: false, color: false }, prompter, reporter, clock: systemClock, signal: new AbortController().signal, secrets: new Secrets(), save: () => Promise.resolve() };
}

describe("step 2 asks the rollback-window question", () => {
  it("GIVEN --yes WHEN step 2 runs THEN the rollback window is chosen (the default), recorded, and the login's missing writes are a warning, not a blocker; answered no THEN nothing of it is checked", async () => {
    await db.sql(`REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, billing FROM ${login}`);
    const yes = contextFor({});
    await runSteps([sourcePreflightStep], yes, { resumeCommand: "aurora-migrate resume" }).catch(() => undefined);
    expect(yes.state.answers["rollback.window"]).toBe(true);
    expect(yes.reporter.text).toContain("The old server would refuse the rollback window's writes");
    expect(yes.reporter.text).toContain(`GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA billing TO ${login};`);

    const no = contextFor({ "rollback.window": false });
    await runSteps([sourcePreflightStep], no, { resumeCommand: "aurora-migrate resume" }).catch(() => undefined);
    expect(no.state.answers["rollback.window"]).toBe(false);
    expect(no.reporter.text).not.toContain("rollback window");
  });
});
