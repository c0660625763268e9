import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperationError } from "../../src/core/errors.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { type TestStepContext, stepContext } from "../support/pg-step-context.js";

/**
 * A matview built on another through a plain view, named so that alphabetical order would
 * refresh it first; one matview the source never populated; and a unique index on the base one.
 */
const MATVIEW_DDL = `
  CREATE SCHEMA "Mv Sch";
  CREATE TABLE "Mv Sch".sales (id integer PRIMARY KEY, region text NOT NULL, amount numeric NOT NULL);
  CREATE MATERIALIZED VIEW "Mv Sch"."Sales by ""region""" AS SELECT region, sum(amount) AS total, count(*) AS n FROM "Mv Sch".sales GROUP BY region;
  CREATE UNIQUE INDEX "Sales by region key" ON "Mv Sch"."Sales by ""region""" (region);
  CREATE VIEW "Mv Sch".big_regions AS SELECT * FROM "Mv Sch"."Sales by ""region""" WHERE total > 1000;
  CREATE MATERIALIZED VIEW "Mv Sch"."A top" AS SELECT count(*) AS regions, max(total) AS best FROM "Mv Sch".big_regions;
  CREATE MATERIALIZED VIEW "Mv Sch".never AS SELECT 1 AS x WITH NO DATA;
`;
const MATVIEW_DATA = `
  INSERT INTO "Mv Sch".sales SELECT g, 'region ' || (g % 7), g * 3.5 FROM generate_series(1, 500) g;
  REFRESH MATERIALIZED VIEW "Mv Sch"."Sales by ""region""";
  REFRESH MATERIALIZED VIEW "Mv Sch"."A top";
`;

async function loadLikeDms(source: TestDatabase, target: TestDatabase, table: string): Promise<void> {
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(`TRUNCATE TABLE ${table}`);
    const rows = await source.sql<{ j: unknown }>(`SELECT coalesce(jsonb_agg(t), '[]'::jsonb) AS j FROM ${table} t`);
    await client.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(rows[0]!.j)]);
  } finally {
    await client.end();
  }
}

function contextFor(source: TestDatabase, target: TestDatabase, schemas: string[]): TestStepContext {
  const ctx = stepContext({ "source.schemas": schemas, "schema.method": "built-in", "restore.jobs": 2 });
  ctx.state.answers["source.url"] = source.url;
  ctx.state.answers["target.url"] = target.url;
  return ctx;
}

describe("materialized views after the restore (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "mvsrc"), freshDatabase("target", "mvtgt")]);
    await source.sql(MATVIEW_DDL);
    await source.sql(MATVIEW_DATA);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN matviews populated on the source, one built on another WHEN the schema loads, DMS loads the table and the restore runs THEN each holds the source's rows, listed in the step's output, and the unpopulated one stays so", async () => {
    const ctx = contextFor(source, target, ["Mv Sch"]);
    await schemaLoadStep.run(ctx);
    await loadLikeDms(source, target, '"Mv Sch".sales');
    const outcome = await restoreAndSequencesStep.run(ctx);

    for (const mv of ['"Mv Sch"."Sales by ""region"""', '"Mv Sch"."A top"']) {
      const q = `SELECT to_jsonb(m) AS r FROM ${mv} m ORDER BY 1`;
      expect(await target.sql(q), mv).toEqual(await source.sql(q));
    }
    expect((await target.sql(`SELECT count(*)::int AS n FROM "Mv Sch"."Sales by ""region"""`))[0]).toEqual({ n: 7 });
    const populated = "SELECT matviewname AS m, ispopulated AS p FROM pg_matviews WHERE schemaname = 'Mv Sch' ORDER BY 1";
    expect(await target.sql(populated)).toEqual(await source.sql(populated));
    expect(ctx.state.outputs["restore-and-sequences"]).toMatchObject({ matviews: { refreshed: ['Mv Sch.Sales by "region"', "Mv Sch.A top"], missingOnTarget: [] } });
    expect(outcome?.summary).toContain("2 materialized view(s) refreshed");
    expect(ctx.reporter.text).toContain("Materialized views refreshed: 2");

    // A re-run (an interrupted step resumed) refreshes them again and finishes.
    await source.sql(`INSERT INTO "Mv Sch".sales VALUES (1000, 'region new', 5000)`);
    await loadLikeDms(source, target, '"Mv Sch".sales');
    await source.sql(`REFRESH MATERIALIZED VIEW "Mv Sch"."Sales by ""region"""; REFRESH MATERIALIZED VIEW "Mv Sch"."A top"`);
    await restoreAndSequencesStep.run(stepContext({}, ctx.state));
    const top = `SELECT regions, best FROM "Mv Sch"."A top"`;
    expect(await target.sql(top)).toEqual(await source.sql(top));
  });
});

describe("a materialized view whose query fails on the target (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "mvbsrc"), freshDatabase("target", "mvbtgt")]);
    // The function reads a table of a schema that is not migrated: fine on the source, not on the target.
    await source.sql(`
      CREATE SCHEMA lookup;
      CREATE TABLE lookup.rates (code text PRIMARY KEY, rate numeric NOT NULL);
      INSERT INTO lookup.rates VALUES ('eur', 1.1);
      CREATE SCHEMA "Mv Bad";
      CREATE TABLE "Mv Bad".prices (id integer PRIMARY KEY, amount numeric NOT NULL);
      INSERT INTO "Mv Bad".prices SELECT g, g FROM generate_series(1, 10) g;
      CREATE FUNCTION "Mv Bad".rate(c text) RETURNS numeric LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN (SELECT rate FROM lookup.rates WHERE code = c); END $$;
      CREATE MATERIALIZED VIEW "Mv Bad"."In €" AS SELECT id, amount * "Mv Bad".rate('eur') AS eur FROM "Mv Bad".prices;
    `);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a matview whose query fails on the target WHEN the restore runs THEN it stops with an error naming the view and the database's error, with a hint", async () => {
    const ctx = contextFor(source, target, ["Mv Bad"]);
    await schemaLoadStep.run(ctx);
    await loadLikeDms(source, target, '"Mv Bad".prices');
    const err = await restoreAndSequencesStep.run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toContain('"Mv Bad"."In €"');
    expect((err as OperationError).message).toContain('relation "lookup.rates" does not exist');
    expect((err as OperationError).hint).toMatch(/resume/);
  });
});
