import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHistogramBounds, readKeySample, readPrimaryKey } from "../../src/adapters/postgres/key-distribution.js";
import { planParallelLoad } from "../../src/plan/parallel-load.js";
import { quoteIdent, quoteLiteral } from "../../src/plan/sql-text.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";

/** `(c1, c2, ...) < b` spelled as the DMS guide's WHERE clauses spell it, values as quoted strings. */
function lessThanSql(columns: readonly string[], bound: readonly string[]): string {
  const terms = bound.map((v, i) => {
    const eq = columns.slice(0, i).map((c, j) => `(${quoteIdent(c)} = ${quoteLiteral(bound[j]!)})`);
    return `(${[...eq, `(${quoteIdent(columns[i]!)} < ${quoteLiteral(v)})`].join(" AND ")})`;
  });
  return `(${terms.join(" OR ")})`;
}

/** Segment k's WHERE clause, as the guide gives it. */
function segmentSql(columns: readonly string[], boundaries: readonly (readonly string[])[], k: number): string {
  const parts: string[] = [];
  if (k > 0) parts.push(`NOT ${lessThanSql(columns, boundaries[k - 1]!)}`);
  if (k < boundaries.length) parts.push(lessThanSql(columns, boundaries[k]!));
  return parts.join(" AND ");
}

/** Rows in no segment or in several, and rows per segment, counted by the server. */
async function coverage(c: pg.Client, table: string, columns: readonly string[], boundaries: readonly (readonly string[])[]): Promise<{ wrong: number; perSegment: number[] }> {
  const flags = boundaries.map((_, k) => `(${segmentSql(columns, boundaries, k)})::int`).concat(`(${segmentSql(columns, boundaries, boundaries.length)})::int`);
  const { rows } = await c.query<{ wrong: string; per: number[] }>(
    `WITH f AS (SELECT ARRAY[${flags.join(", ")}] AS hit FROM app.${quoteIdent(table)})
     SELECT count(*) FILTER (WHERE (SELECT sum(x) FROM unnest(hit) x) <> 1)::text AS wrong,
            ARRAY(SELECT sum(f2.hit[i])::int FROM f f2, generate_series(1, ${boundaries.length + 1}) i GROUP BY i ORDER BY i) AS per
       FROM f`,
  );
  return { wrong: Number(rows[0]!.wrong), perSegment: rows[0]!.per };
}

function nearEqual(perSegment: readonly number[], total: number): void {
  const ideal = total / perSegment.length;
  for (const n of perSegment) {
    expect(n).toBeGreaterThan(ideal * 0.6);
    expect(n).toBeLessThan(ideal * 1.4);
  }
}

describe("parallel-load ranges planned from a real server's statistics", () => {
  let db: TestDatabase;
  let c: pg.Client;
  beforeAll(async () => {
    db = await freshDatabase("source", "ranges");
    await db.sql(`CREATE SCHEMA app;
      CREATE TABLE app.orders (id integer PRIMARY KEY, pad text);
      INSERT INTO app.orders SELECT g * 3 + (g % 7), 'x' FROM generate_series(1, 60000) g;
      INSERT INTO app.orders SELECT 1000000 + g * 50, 'x' FROM generate_series(1, 20000) g;
      CREATE TABLE app.events (id bigint PRIMARY KEY);
      INSERT INTO app.events SELECT 4611686018427387904 + g * 977 FROM generate_series(1, 50000) g;
      CREATE TABLE app.docs (id uuid PRIMARY KEY);
      INSERT INTO app.docs SELECT md5(g::text)::uuid FROM generate_series(1, 50000) g;
      CREATE TABLE app."Lines" (tenant smallint, id bigint, PRIMARY KEY (tenant, id));
      INSERT INTO app."Lines" SELECT 1, g FROM generate_series(1, 10000) g;
      INSERT INTO app."Lines" SELECT 2, g FROM generate_series(1, 60000) g;
      INSERT INTO app."Lines" SELECT 3, g FROM generate_series(1, 10000) g;
      ANALYZE app.orders, app.events, app.docs, app."Lines";`);
    c = new pg.Client({ connectionString: db.url });
    await c.connect();
  });
  afterAll(async () => {
    await c.end();
    await db.drop();
  });

  it.each([
    ["orders", 80000, 8],
    ["events", 50000, 6],
    ["docs", 50000, 16],
  ])("GIVEN %s analysed WHEN split by its key's histogram THEN every row is in exactly one segment, and they are near-equal", async (table, total, parts) => {
    const key = await readPrimaryKey(c, "app", table);
    expect(key).toHaveLength(1);
    const bounds = await readHistogramBounds(c, "app", table, key[0]!.name);
    expect(bounds.length).toBeGreaterThan(50);
    const plan = planParallelLoad({ schema: "app", table, key, candidates: bounds.map((b) => [b]), parts });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    expect(plan.segments).toBe(parts);
    const { wrong, perSegment } = await coverage(c, table, plan.columns, plan.boundaries);
    expect(wrong).toBe(0);
    expect(perSegment.reduce((a, b) => a + b, 0)).toBe(total);
    nearEqual(perSegment, total);
  });

  it("GIVEN a composite key whose leading column has 3 values WHEN split by a sample of keys THEN every row once, near-equal", async () => {
    const key = await readPrimaryKey(c, "app", "Lines");
    expect(key).toEqual([
      { name: "tenant", type: "smallint" },
      { name: "id", type: "bigint" },
    ]);
    // The leading column's histogram cannot split tenant 2's 75 %.
    const leading = await readHistogramBounds(c, "app", "Lines", "tenant");
    expect(leading.length).toBeLessThan(4);
    // SYSTEM samples whole pages (~185 keys each here): a quarter of this small table's pages, for near-equal parts.
    const sample = await readKeySample(c, "app", "Lines", key.map((k) => k.name), 20000);
    expect(sample.length).toBeGreaterThan(5000);
    const plan = planParallelLoad({ schema: "app", table: "Lines", key, candidates: sample, parts: 4 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    expect(plan.columns).toEqual(["tenant", "id"]);
    const { wrong, perSegment } = await coverage(c, "Lines", plan.columns, plan.boundaries);
    expect(wrong).toBe(0);
    expect(perSegment.reduce((a, b) => a + b, 0)).toBe(80000);
    nearEqual(perSegment, 80000);
  });

  it("GIVEN a table without a primary key or never analysed THEN nothing to plan from", async () => {
    await db.sql("CREATE TABLE app.heap (v int); INSERT INTO app.heap SELECT generate_series(1, 100)");
    expect(await readPrimaryKey(c, "app", "heap")).toEqual([]);
    expect(await readHistogramBounds(c, "app", "heap", "v")).toEqual([]);
  });
});
