import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlockedError, ExitCode } from "../../src/core/errors.js";
import { openDatabase } from "../../src/migration/connections.js";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { prepareCutover } from "../../src/migration/cutover/prepare.js";
import { runCutover } from "../../src/migration/cutover/run-cutover.js";
import { ensureKeyChangeCapture } from "../../src/migration/key-changes/capture-step.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { checkSchemaDrift } from "../../src/migration/schema/drift-check.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { syncWaitStep } from "../../src/steps/sync-wait.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { FakeClock } from "../support/aws/harness.js";
import { seedMigration } from "../support/aws/seed.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { type TestContext, testContext } from "../support/step-context.js";

let source: TestDatabase;
let target: TestDatabase;

beforeEach(async () => {
  [source, target] = await Promise.all([freshDatabase("source", "drift"), freshDatabase("target", "drift")]);
  await source.sql(`
    CREATE TYPE public.state AS ENUM ('open', 'paid');
    CREATE TABLE public.orders (id bigint PRIMARY KEY, state public.state NOT NULL DEFAULT 'open', "Total" numeric(10,2));
    INSERT INTO public.orders VALUES (1, 'open', 3.5), (2, 'paid', 7);`);
});
afterEach(async () => {
  await source.drop();
  await target.drop();
});

async function loaded(clock?: FakeClock): Promise<TestContext> {
  const fake = new FakeAws({ latency: [{ source: 1, target: 1 }, { source: 1, target: 1 }, { source: 1, target: 1 }] });
  const seeded = await seedMigration(fake);
  const ctx = testContext({
    sourceUrl: source.url,
    targetUrl: target.url,
    aws: fake,
    ...(clock ? { clock } : {}),
    config: {
      "source.schemas": ["public"],
      "schema.method": "built-in",
      "cutover.freezeMethod": "hook",
      "cutover.freezeHook": "true",
      "cutover.unfreezeHook": "true",
      "cutover.switchHook": "true",
      "cutover.drainTimeoutSeconds": 5,
    },
  });
  await schemaLoadStep.run(ctx);
  // What DMS's full load leaves on the target, so the row counts agree.
  await target.sql("INSERT INTO public.orders VALUES (1, 'open', 3.5), (2, 'paid', 7)");
  ctx.state.outputs["dms-task"] = seeded.task;
  return ctx;
}

async function prepare(ctx: TestContext): Promise<unknown> {
  const [s, t] = [await openDatabase(ctx, "source"), await openDatabase(ctx, "target")];
  try {
    return await prepareCutover(ctx, cutoverDepsFor(ctx), s, t);
  } finally {
    await Promise.all([s.end(), t.end()]);
  }
}

describe("cutover: the DDL drift guard", () => {
  it("GIVEN the schema load's record and the tool's own objects on the source (key-change triggers, marker) THEN no drift, and the record is in the state", async () => {
    const ctx = await loaded();
    const drift = readOutput(ctx, "schema-load")?.drift;
    expect(drift?.objects.map((o) => `${o.kind}:${o.key}`)).toEqual(
      expect.arrayContaining(["table:public.orders", "column:public.orders.Total", "type:public.state", "constraint:public.orders.orders_pkey"]),
    );
    const client = await openDatabase(ctx, "source");
    try {
      await ensureKeyChangeCapture(ctx, client);
      // DMS's DDL-capture artefacts (CaptureDdls) in the app's schema.
      await source.sql("CREATE TABLE public.awsdms_ddl_audit (c_key bigserial PRIMARY KEY, c_ddlqry text)");
      expect((await checkSchemaDrift(ctx, client))?.differences).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("GIVEN a column added on the source after the schema load WHEN the cutover starts THEN it stops with exit 3 naming the column and the ADD COLUMN to run on the target; once run there, the precondition passes", async () => {
    const ctx = await loaded();
    await source.sql(`ALTER TABLE public.orders ADD COLUMN "Note" varchar(40) NOT NULL DEFAULT 'none'; ALTER TYPE public.state ADD VALUE 'void'`);

    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    // Recorded for `status`, which shows it without connecting.
    expect(readOutput(ctx, "schema-drift")).toMatchObject({ by: "cutover", changes: [expect.stringContaining("ADD COLUMN \"Note\""), expect.stringContaining("type public.state changed")] });
    const details = (err as BlockedError).details.join("\n");
    expect(details).toContain(
      `column public.orders.Note (character varying(40)) added on the source after the schema load; run on the target: ALTER TABLE public.orders ADD COLUMN "Note" character varying(40) NOT NULL DEFAULT 'none'::character varying;`,
    );
    expect(details).toContain("type public.state changed on the source after the schema load: was enum ('open', 'paid'), now enum ('open', 'paid', 'void')");

    // The user applies both on the target: the changes no longer count.
    await target.sql(`ALTER TABLE public.orders ADD COLUMN "Note" character varying(40) NOT NULL DEFAULT 'none'::character varying; ALTER TYPE public.state ADD VALUE 'void'`);
    await expect(prepare(ctx)).resolves.toBeDefined();
  });

  it("GIVEN a column added on the source after the schema load WHEN the sync wait runs THEN it warns with the DDL and still ends in sync", async () => {
    const ctx = await loaded(new FakeClock());
    await source.sql("ALTER TABLE public.orders ADD COLUMN note text");
    const outcome = await syncWaitStep.run(ctx);
    expect(outcome?.summary).toMatch(/^latency source 1 s/);
    expect(ctx.reporter.text).toContain("The source's schema changed after the schema load (1 change(s))");
    expect(ctx.reporter.text).toContain("run on the target: ALTER TABLE public.orders ADD COLUMN note text;");
    const recorded = readOutput(ctx, "schema-drift");
    expect(recorded?.changes).toEqual([expect.stringContaining("ALTER TABLE public.orders ADD COLUMN note text;")]);
    expect(recorded?.at).toBe(ctx.clock.now().toISOString());
  });
});
