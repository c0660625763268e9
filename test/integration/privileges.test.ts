import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockedError, ExitCode } from "../../src/core/errors.js";
import { connectUrl } from "../../src/adapters/postgres/connect-url.js";
import { assertTargetAccess } from "../../src/migration/schema/target-access.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { type TestStepContext, stepContext } from "../support/pg-step-context.js";

// Roles are server-wide and test files run in parallel: every role here has a name of its own.
const tag = randomBytes(3).toString("hex");
const APP = `app_${tag}`;
const GONE = `gone_${tag}`;
const NOBODY = `nobody_${tag}`;

const DDL = `
CREATE SCHEMA "Shop";
CREATE TABLE "Shop".orders (id serial PRIMARY KEY, note text NOT NULL);
CREATE FUNCTION "Shop".order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM "Shop".orders';`;

let source: TestDatabase;
let target: TestDatabase;

function restoreContext(): TestStepContext {
  const ctx = stepContext({ "restore.jobs": 1 });
  ctx.state.answers["source.url"] = source.url;
  ctx.state.answers["target.url"] = target.url;
  // As after a hook load: the schema is on the target, nothing set aside, no privileges.
  ctx.state.outputs["schema-load"] = { method: "hook", schemas: ["Shop"], phase: "loaded", setAside: [] };
  return ctx;
}

async function asApp<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const c = await connectUrl(target.urlAs(APP));
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  [source, target] = await Promise.all([freshDatabase("source", "privsrc"), freshDatabase("target", "privtgt")]);
  await source.sql(`CREATE ROLE ${APP} LOGIN; CREATE ROLE ${GONE} LOGIN; CREATE ROLE ${NOBODY} LOGIN`);
  await target.sql(`CREATE ROLE ${APP} LOGIN; CREATE ROLE ${NOBODY} LOGIN`);
  await source.sql(DDL);
  await source.sql(`
    GRANT USAGE ON SCHEMA "Shop" TO ${APP};
    GRANT SELECT, INSERT ON "Shop".orders TO ${APP};
    GRANT UPDATE (note) ON "Shop".orders TO ${APP};
    GRANT USAGE ON SEQUENCE "Shop".orders_id_seq TO ${APP};
    REVOKE EXECUTE ON FUNCTION "Shop".order_count() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION "Shop".order_count() TO ${APP};
    ALTER DEFAULT PRIVILEGES IN SCHEMA "Shop" GRANT SELECT ON TABLES TO ${APP};
    GRANT USAGE ON SCHEMA "Shop" TO ${GONE};
    GRANT SELECT ON "Shop".orders TO ${GONE};`);
  await target.sql(DDL);
});
afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
  await source?.sql(`DROP ROLE IF EXISTS ${APP}, ${GONE}, ${NOBODY}`).catch(() => undefined);
  await target?.sql(`DROP ROLE IF EXISTS ${APP}, ${NOBODY}`).catch(() => undefined);
});

describe("privileges carried from source to target (PostgreSQL 15 → 17)", () => {
  it("GIVEN a target loaded without privileges WHEN the cutover checks the app's role THEN it blocks with exit 3 naming the role and the GRANTs to run", async () => {
    const [s, t] = await Promise.all([connectUrl(source.url), connectUrl(target.url)]);
    try {
      const err = await assertTargetAccess(s, t, ["Shop"], [APP]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlockedError);
      expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
      expect((err as BlockedError).message).toContain(APP);
      expect((err as BlockedError).details).toContain(`- role ${APP} has no USAGE on schema Shop on the target`);
      expect((err as BlockedError).details).toContain(`  GRANT INSERT, SELECT, UPDATE ("note") ON TABLE "Shop"."orders" TO "${APP}";`);
      // A role with no privileges on the source needs none on the target.
      await expect(assertTargetAccess(s, t, ["Shop"], [NOBODY])).resolves.toBeUndefined();
    } finally {
      await Promise.all([s.end(), t.end()]);
    }
  });

  it("GIVEN grants on a schema, table, column, sequence and function WHEN step 9 runs THEN the role can insert (nextval), read, update and execute on the target, and a role the target lacks is a warning with the exact commands", async () => {
    const ctx = restoreContext();
    const outcome = await restoreAndSequencesStep.run(ctx);
    const findings = outcome?.findings ?? [];
    expect(findings.map((f) => [f.check, f.severity])).toEqual([["privileges.role-missing", "warning"]]);
    expect(findings[0]?.fix).toBe(
      [
        "On the target (Aurora), as its master user, run:",
        `  CREATE ROLE "${GONE}" LOGIN PASSWORD '<the password the app will use>';`,
        `  GRANT USAGE ON SCHEMA "Shop" TO "${GONE}";`,
        `  GRANT SELECT ON TABLE "Shop"."orders" TO "${GONE}";`,
        "The cutover checks the app's roles again before it switches.",
      ].join("\n"),
    );
    const [row] = await asApp<{ id: number }>(`INSERT INTO "Shop".orders (note) VALUES ('first') RETURNING id`);
    expect(row?.id).toBe(1);
    await asApp(`UPDATE "Shop".orders SET note = 'changed' WHERE id = 1`);
    expect(await asApp(`SELECT note, "Shop".order_count() AS n FROM "Shop".orders`)).toEqual([{ note: "changed", n: "1" }]);
    await expect(asApp(`DELETE FROM "Shop".orders`)).rejects.toThrow(/permission denied/);
    // The default privileges came too: a table the target's login creates later is readable.
    await target.sql(`CREATE TABLE "Shop".later (id int)`);
    expect(await asApp(`SELECT count(*)::int AS n FROM "Shop".later`)).toEqual([{ n: 0 }]);
  });

  it("GIVEN the privileges already carried WHEN step 9 runs again THEN it succeeds with the same findings and the target's ACLs are unchanged, and the cutover check passes", async () => {
    const acl = `SELECT c.relname, c.relacl::text FROM pg_class c WHERE c.relnamespace = '"Shop"'::regnamespace ORDER BY 1`;
    const before = await target.sql(acl);
    const outcome = await restoreAndSequencesStep.run(restoreContext());
    expect(outcome?.findings?.map((f) => f.check)).toEqual(["privileges.role-missing"]);
    expect(await target.sql(acl)).toEqual(before);
    const [s, t] = await Promise.all([connectUrl(source.url), connectUrl(target.url)]);
    try {
      await expect(assertTargetAccess(s, t, ["Shop"], [APP])).resolves.toBeUndefined();
      // With a freeze hook (no roles named) every grantee counts: the one the target lacks blocks.
      const err = await assertTargetAccess(s, t, ["Shop"]).catch((e: unknown) => e);
      expect((err as BlockedError).details).toEqual([
        `- role ${GONE} does not exist on the target`,
        "Run on the target (Aurora), as its master user:",
        `  CREATE ROLE "${GONE}" LOGIN PASSWORD '<the password the app will use>';`,
        `  GRANT USAGE ON SCHEMA "Shop" TO "${GONE}";`,
        `  GRANT SELECT ON TABLE "Shop"."orders" TO "${GONE}";`,
      ]);
    } finally {
      await Promise.all([s.end(), t.end()]);
    }
  });
});
