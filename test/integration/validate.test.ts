import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runValidate } from "../../src/commands/validate.js";
import { BlockedError } from "../../src/core/errors.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import type { ValidateReport } from "../../src/migration/validate/compare.js";
import { runBuiltCli } from "../support/cli.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { envelopeIn } from "../support/json-envelope.js";

const globals: GlobalOptions = { statePath: "unused.state.json", yes: true, json: true, dryRun: false, verbose: false, color: false };

// Every row's content is a pure function of its id, so both servers generate the same table.
const BIG_TABLE = `
  CREATE TABLE public.big (id integer PRIMARY KEY, label text, ratio double precision, at timestamptz, amount numeric(12, 2), doc jsonb, tags text[]);
  INSERT INTO public.big
  SELECT g, 'row ' || g, g / 7.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', g * 1.25,
         jsonb_build_object('g', g, 'even', g % 2 = 0), ARRAY['a' || g % 10, 'b']
    FROM generate_series(1, 1000000) AS g;
`;

async function validate(source: TestDatabase, target: TestDatabase, checksum: boolean): Promise<{ report: ValidateReport; error?: unknown }> {
  const reporter = new MemoryReporter(true);
  let error: unknown;
  try {
    await runValidate(globals, { source: source.url, target: target.url, checksum, jobs: 3 }, reporter);
  } catch (err) {
    error = err;
  }
  return { report: reporter.jsonValues[0] as ValidateReport, error };
}

describe("validate --checksum on a 1M-row table, PostgreSQL 15 → 17", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "valsrc"), freshDatabase("target", "valtgt")]);
    // Different session defaults on the two sides must not change any hash.
    await target.sql(`ALTER DATABASE ${target.name} SET timezone = 'Asia/Tokyo'`);
    await target.sql(`ALTER DATABASE ${target.name} SET datestyle = 'SQL, DMY'`);
    await Promise.all([source.sql(BIG_TABLE), target.sql(BIG_TABLE)]);
    const small = `CREATE SCHEMA "Ops"; CREATE TABLE "Ops"."Audit Log" ("Id" serial PRIMARY KEY, "What" text); INSERT INTO "Ops"."Audit Log" ("What") VALUES ('a'), ('b');`;
    await Promise.all([source.sql(small), target.sql(small)]);
  }, 180_000);
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN identical content on both sides WHEN validated with --checksum THEN every table matches and it exits normally", async () => {
    const { report, error } = await validate(source, target, true);
    expect(error).toBeUndefined();
    expect(report.tables.map((t) => [t.schema, t.table, t.status])).toEqual([
      ["Ops", "Audit Log", "match"],
      ["public", "big", "match"],
    ]);
    expect(report.tables.find((t) => t.table === "big")?.sourceRows).toBe("1000000");
  });

  it("GIVEN one changed row among 1M WHEN validated THEN counts alone see nothing but --checksum reports the table and exits 3", async () => {
    await target.sql("UPDATE public.big SET label = 'row 500001 changed' WHERE id = 500001");
    const counts = await validate(source, target, false);
    expect(counts.report.tables.find((t) => t.table === "big")?.status).toBe("match");
    const sums = await validate(source, target, true);
    expect(sums.report.tables.find((t) => t.table === "big")?.status).toBe("checksum-differs");
    expect(sums.error).toBeInstanceOf(BlockedError);
    expect((sums.error as BlockedError).exitCode).toBe(3);
  });

  it("GIVEN a table the target lacks WHEN the built binary validates with --json THEN it exits 3 and the JSON names the missing table", async () => {
    await source.sql("CREATE TABLE public.forgotten (id int PRIMARY KEY); INSERT INTO public.forgotten VALUES (1)");
    const run = await runBuiltCli(["validate", "--source", source.url, "--target", target.url, "--json", "--schemas", "public"]);
    expect(run.code).toBe(3);
    const doc = envelopeIn<ValidateReport>(run.stdout, { command: "validate", exitCode: 3 });
    expect(doc.error?.message).toContain("Source and target differ");
    const report = doc.result;
    expect(report.tables.find((t) => t.table === "forgotten")?.status).toBe("missing-on-target");
    expect(report.parity?.differences.some((d) => d.kind === "table" && d.key === "public.forgotten" && d.severity === "blocker")).toBe(true);
    expect(run.stderr).toContain("Source and target differ");
  });
});
