import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppError } from "../../../src/core/errors.js";
import { dmsTaskStep } from "../../../src/steps/dms-task.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { runUntil } from "../../support/aws/flow.js";
import { harness, sourceState } from "../../support/aws/harness.js";

/**
 * Step 6 with big tables: sizes come from the preflight's record (the real tables are small),
 * the key distribution from the real source's statistics. The rules are read back from the
 * task as the fake DMS stored it.
 */
const GiB = 1024 ** 3;
const ROWS = 20_000;
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "pl");
  await db.sql(`
    CREATE TABLE public.orders (id bigint PRIMARY KEY, note text);
    INSERT INTO public.orders SELECT g * 7, 'n' FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE public.notes (code text PRIMARY KEY);
    INSERT INTO public.notes SELECT 'c' || g FROM generate_series(1, 1000) g;
    CREATE TABLE public.small (id int PRIMARY KEY);
    INSERT INTO public.small SELECT g FROM generate_series(1, 100) g;
    CREATE TABLE public.lines (order_id int, line int, PRIMARY KEY (order_id, line));
    INSERT INTO public.lines SELECT o, l FROM generate_series(1, 2) o, generate_series(1, 5000) l;
    CREATE TABLE public.heap (id int);
    ANALYZE;
    CREATE TABLE public.fresh (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
    INSERT INTO public.fresh SELECT g FROM generate_series(1, 1000) g;
  `);
});
afterAll(async () => {
  await db.drop();
});

const preflight = {
  schemas: ["public"],
  tableCount: 6,
  largestTables: [
    { schema: "public", table: "orders", sizeBytes: 12.4 * GiB, rowEstimate: ROWS },
    { schema: "public", table: "notes", sizeBytes: 3 * GiB, rowEstimate: 1000 },
    { schema: "public", table: "lines", sizeBytes: 2 * GiB, rowEstimate: 10_000 },
    { schema: "public", table: "heap", sizeBytes: 1.5 * GiB, rowEstimate: 0 },
    { schema: "public", table: "fresh", sizeBytes: 1.2 * GiB, rowEstimate: 0 },
    { schema: "public", table: "small", sizeBytes: 10 * 1024 ** 2, rowEstimate: 100 },
  ],
};

type Rule = Record<string, unknown> & { "parallel-load"?: { type: string; columns: string[]; boundaries: string[][] } };

function storedRules(fake: FakeAws): Rule[] {
  const task = [...fake.tasks.values()][0]!;
  return (JSON.parse(task.TableMappings ?? "{}") as { rules: Rule[] }).rules;
}

async function created(fake: FakeAws, o: { dryRun?: boolean } = {}) {
  const h = harness(fake, sourceState(db.url, db.name, preflight), { options: { dryRun: o.dryRun ?? false } });
  await runUntil(h, "dms-task");
  const outcome = await dmsTaskStep.run(h.ctx);
  return { h, outcome };
}

describe("step 6: big tables loaded in ranges", () => {
  it("GIVEN a 12.4 GiB table keyed by bigint WHEN the task is created THEN the stored mappings hold the table-settings parallel-load ranges rule the DMS guide documents, the ranges cover the key once and near-evenly, MaxFullLoadSubTasks counts them, the user was told before the creation and the output records it", async () => {
    const fake = new FakeAws();
    const { h, outcome } = await created(fake);
    const rules = storedRules(fake);
    const settings = rules.filter((r) => r["rule-type"] === "table-settings");
    expect(settings).toHaveLength(2);
    const rule = settings.find((r) => (r["object-locator"] as Record<string, string>)["table-name"] === "orders")!;
    expect(Object.keys(rule).sort()).toEqual(["object-locator", "parallel-load", "rule-id", "rule-name", "rule-type"]);
    expect(rule["object-locator"]).toEqual({ "schema-name": "public", "table-name": "orders" });
    const load = rule["parallel-load"]!;
    expect(load.type).toBe("ranges");
    expect(load.columns).toEqual(["id"]);
    // dms.t3.medium: 8 subtasks → 8 parts → 7 boundaries, each an array of one string.
    expect(load.boundaries).toHaveLength(7);
    for (const b of load.boundaries) {
      expect(b).toHaveLength(1);
      expect(typeof b[0]).toBe("string");
    }
    // Ids: numeric strings, unique; names unique across the selection rules and these.
    expect(new Set(rules.map((r) => r["rule-id"])).size).toBe(rules.length);
    expect(new Set(rules.map((r) => r["rule-name"])).size).toBe(rules.length);
    expect(rules.every((r) => /^\d+$/.test(String(r["rule-id"])))).toBe(true);

    // The guide's WHERE clauses on the real table: every row in exactly one range, none nearly empty.
    const b = load.boundaries.map((x) => x[0]!);
    const counts = await db.sql<{ k: number; n: string }>(
      `SELECT k, count(*)::text AS n FROM (SELECT (SELECT count(*) FROM unnest($1::bigint[]) u WHERE o.id >= u)::int AS k FROM public.orders o) s GROUP BY k ORDER BY k`,
      [b],
    );
    expect(counts.map((c) => c.k)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(counts.reduce((n, c) => n + Number(c.n), 0)).toBe(ROWS);
    for (const c of counts) expect(Number(c.n)).toBeGreaterThan(ROWS / 8 / 2);

    const taskSettings = JSON.parse([...fake.tasks.values()][0]!.ReplicationTaskSettings ?? "{}") as { FullLoadSettings: Record<string, unknown> };
    expect(taskSettings.FullLoadSettings["MaxFullLoadSubTasks"]).toBe(8);

    const text = h.reporter.text;
    expect(text).toContain("public.orders: 8 ranges on id, 12 GiB");
    expect(text.indexOf("public.orders: 8 ranges on id")).toBeLessThan(text.indexOf("Created the DMS task"));
    expect(text).toContain("public.notes: loaded whole (3.0 GiB): key column code is of type text, not split on");
    expect(text).toContain("public.heap: loaded whole (1.5 GiB): no primary key");
    // Never analysed: no histogram, and no sample either (it would read the whole table).
    expect(text).toContain('public.fresh: loaded whole (1.2 GiB): never analysed, so no statistics to split on (run ANALYZE "public"."fresh", then step 6 again)');
    expect(text).not.toContain("public.small:");
    expect(outcome?.summary).toContain("orders in 8 ranges");

    const output = h.state.outputs["dms-task"] as Record<string, unknown>;
    expect(output["parallelLoad"]).toMatchObject({
      thresholdBytes: GiB,
      maxFullLoadSubTasks: 8,
      split: [{ schema: "public", table: "orders", sizeBytes: 12.4 * GiB, key: [{ name: "id", type: "bigint" }], boundaries: load.boundaries }, { table: "lines" }],
      whole: [
        { schema: "public", table: "notes", reason: expect.stringContaining("type text") as unknown },
        { schema: "public", table: "heap", reason: "no primary key" },
        { schema: "public", table: "fresh" },
      ],
    });
  });

  it("GIVEN a composite key whose leading column has two values WHEN planned THEN a sample of whole keys splits it on both columns", async () => {
    const fake = new FakeAws();
    await created(fake);
    const rule = storedRules(fake).find((r) => r["rule-type"] === "table-settings" && (r["object-locator"] as Record<string, string>)["table-name"] === "lines")!;
    const load = rule["parallel-load"]!;
    expect(load.columns).toEqual(["order_id", "line"]);
    expect(load.boundaries.length).toBeGreaterThanOrEqual(3);
    for (const b of load.boundaries) expect(b).toHaveLength(2);
  });

  it("GIVEN a small table and a text key THEN neither has a table-settings rule", async () => {
    const fake = new FakeAws();
    await created(fake);
    const names = storedRules(fake)
      .filter((r) => r["rule-type"] === "table-settings")
      .map((r) => (r["object-locator"] as Record<string, string>)["table-name"]);
    expect(names).not.toContain("small");
    expect(names).not.toContain("notes");
    expect(names).not.toContain("heap");
  });

  it("GIVEN a reused task whose mappings lost the orders rule WHEN step 6 runs again THEN it stops, naming what differs, with the mappings to set", async () => {
    const fake = new FakeAws();
    const { h } = await created(fake);
    const task = [...fake.tasks.values()][0]!;
    const rules = storedRules(fake).filter((r) => (r["object-locator"] as Record<string, string>)["table-name"] !== "orders" || r["rule-type"] !== "table-settings");
    task.TableMappings = JSON.stringify({ rules });
    const err = (await dmsTaskStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("does not load the big tables in the ranges planned");
    expect(err.details[0]).toBe("public.orders: no parallel-load rule; planned: 8 ranges on id");
    expect(err.details.join("\n")).toContain('"rule-type":"table-settings"');
    expect(err.hint).toContain("aws dms modify-replication-task");
  });

  it("GIVEN a reused task with other valid boundaries for orders WHEN step 6 runs again THEN they are kept and recorded as the task holds them", async () => {
    const fake = new FakeAws();
    const { h } = await created(fake);
    const task = [...fake.tasks.values()][0]!;
    const rules = storedRules(fake).map((r) =>
      r["rule-type"] === "table-settings" && (r["object-locator"] as Record<string, string>)["table-name"] === "orders"
        ? { ...r, "parallel-load": { type: "ranges", columns: ["id"], boundaries: [["50000"], ["100000"]] } }
        : r,
    );
    task.TableMappings = JSON.stringify({ rules });
    await dmsTaskStep.run(h.ctx);
    expect(h.state.outputs["dms-task"]).toMatchObject({ parallelLoad: { split: [{ table: "orders", boundaries: [["50000"], ["100000"]] }, { table: "lines" }] } });
  });

  it("GIVEN --dry-run WHEN step 6 runs THEN each big table is named with the ranges it would get, and the source is not read", async () => {
    const fake = new FakeAws();
    const { h } = await created(fake, { dryRun: true });
    expect(h.reporter.text).toContain('[dry-run] would read the key distribution of "public"."orders" (12 GiB) on the source and load it in up to 8 ranges of its primary key.');
  });
});
