import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperationError } from "../../src/core/errors.js";
import { findPgDump } from "../../src/migration/schema/pg-tools.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { APP_SCHEMA_DATA, APP_SCHEMA_DDL, APP_TABLES, truncateAndLoadLikeDms } from "../support/app-schema.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { type TestStepContext, stepContext } from "../support/pg-step-context.js";

function contextFor(source: TestDatabase, target: TestDatabase, answers: Record<string, string | string[] | number | boolean> = {}): TestStepContext {
  const ctx = stepContext({ "source.schemas": ["public", "Audit"], "schema.method": "built-in", ...answers });
  ctx.state.answers["source.url"] = source.url;
  ctx.state.answers["target.url"] = target.url;
  return ctx;
}

describe("built-in schema load with pg_dump (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let ctx: TestStepContext;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "bisrc"), freshDatabase("target", "bitgt")]);
    await source.sql(APP_SCHEMA_DDL);
    await source.sql(APP_SCHEMA_DATA);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN no pg_dump of the source's major WHEN one is looked for THEN the error says so and gives the install commands", async () => {
    const err = await findPgDump(99, 99).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toContain("PostgreSQL 99 or newer");
    expect((err as OperationError).hint).toContain("apt-get install postgresql-client-99");
    expect((err as OperationError).hint).toContain("brew install postgresql@99");
  });

  it("GIVEN a target where the load cannot succeed WHEN the step runs THEN it stops, shows the failing statement and keeps nothing", async () => {
    const blocked = await freshDatabase("target", "bibad");
    try {
      await blocked.sql("CREATE FUNCTION public.touch() RETURNS integer LANGUAGE sql AS 'SELECT 1'");
      const err = await schemaLoadStep.run(contextFor(source, blocked)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationError);
      expect((err as OperationError).message).toContain('function "touch" already exists');
      expect((err as OperationError).details.join("\n")).toContain("CREATE FUNCTION public.touch() RETURNS trigger");
      expect(await blocked.sql("SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
    } finally {
      await blocked.drop();
    }
  });

  it("GIVEN an empty target WHEN the step runs THEN pre-data and primary keys, triggers and views are in, and foreign keys and secondary indexes wait", async () => {
    ctx = contextFor(source, target);
    const outcome = await schemaLoadStep.run(ctx);
    const recorded = readOutput(ctx, "schema-load")!;
    expect(recorded.method).toBe("built-in");
    expect(recorded.pgDump).toMatch(/pg_dump 1\d\./);
    expect(recorded.setAside.filter((o) => o.kind === "foreign-key")).toHaveLength(7);
    expect(recorded.setAside.map((o) => o.name)).toEqual(expect.arrayContaining(["customers_email_key", "shipments_once", "products_sku_lower_idx", "orders_open_idx", "Events_What_idx"]));
    const fks = await target.sql("SELECT conname FROM pg_constraint WHERE contype = 'f'");
    expect(fks).toEqual([]);
    const pks = await target.sql("SELECT conname FROM pg_constraint WHERE contype = 'p' AND connamespace::regnamespace::text IN ('public', '\"Audit\"')");
    expect(pks).toHaveLength(APP_TABLES.length);
    expect(await target.sql("SELECT tgname FROM pg_trigger WHERE tgname = 'orders_touch'")).toHaveLength(1);
    expect(await target.sql("SELECT 1 FROM pg_views WHERE viewname = 'order_totals'")).toHaveLength(1);
    // Parity: nothing missing but what was set aside.
    expect(outcome?.findings).toEqual([]);
  });

  it("GIVEN the loaded schema WHEN DMS truncates each table and loads, and the restore runs THEN all keys and indexes are back and the catalogs match", async () => {
    await truncateAndLoadLikeDms(source, target);
    ctx.state.answers["restore.jobs"] = 3;
    const outcome = await restoreAndSequencesStep.run(ctx);
    expect(outcome?.findings).toEqual([]);
    const q = "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS c FROM pg_constraint WHERE connamespace::regnamespace::text IN ('public', '\"Audit\"') ORDER BY 1";
    expect(await target.sql(q)).toEqual(await source.sql(q));
    const [c] = await target.sql<{ comment: string }>("SELECT obj_description('public.orders_customer_idx'::regclass, 'pg_class') AS comment");
    expect(c?.comment).toBe("lookups by customer");
    await expect(target.sql("INSERT INTO public.products (sku) VALUES ('sku-1')")).rejects.toThrow(/products_sku_lower_idx/);
  });
});
