/**
 * Table sizes come from the catalog's page counts, measured exactly only for the largest tables
 * and for tables whose counts are missing or stale. These tests build the cases where the
 * catalog is wrong (never analyzed, analyzed empty and loaded since) and check that the size
 * advice and the data scan still see the real table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSourcePreflightOutput } from "../../src/migration/outputs/source-preflight.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { findingsOf, preflightOf } from "../support/preflight.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "pf_sizes");
});
afterAll(async () => {
  await db?.drop();
});

/** 25 analyzed tables of about 100 KB each: more than the 20 whose size is measured exactly. */
async function analyzedTables(schema: string): Promise<void> {
  await db.sql(
    `CREATE SCHEMA ${schema};
     DO $$ BEGIN FOR i IN 1..25 LOOP
       EXECUTE format('CREATE TABLE ${schema}.small_%s (id int PRIMARY KEY, body text)', i);
       EXECUTE format('INSERT INTO ${schema}.small_%s SELECT g, repeat(''s'', 60) FROM generate_series(1, 1000) g', i);
     END LOOP; END $$;
     ANALYZE`,
  );
}

/** Waits until the cumulative statistics (flushed by a backend about once a second) count the table's rows. */
async function statisticsSee(table: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [row] = await db.sql<{ live: string }>(`SELECT pg_stat_get_live_tuples('${table}'::regclass) AS live`);
    if (Number(row!.live) > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The statistics never counted the rows of ${table}.`);
}

async function exactSize(table: string): Promise<number> {
  const [row] = await db.sql<{ size: string }>(`SELECT pg_total_relation_size('${table}'::regclass) AS size`);
  return Number(row!.size);
}

describe("sizes of tables the catalog has not counted", () => {
  it("GIVEN 25 analyzed tables and a never-analyzed 2 MB table with LOB and timestamp values THEN it is listed as the largest with its real size, and its LOBs and infinity are found", async () => {
    await analyzedTables("never");
    // autovacuum off: the table stays never analyzed (reltuples -1, relpages 0) while the preflight runs.
    await db.sql(
      `CREATE TABLE never.fresh (id int PRIMARY KEY, doc text, until timestamp) WITH (autovacuum_enabled = false);
       INSERT INTO never.fresh SELECT g, repeat('d', 200), now() FROM generate_series(1, 8000) g;
       INSERT INTO never.fresh VALUES (0, repeat('L', 5000), 'infinity')`,
    );
    const [stats] = await db.sql<{ reltuples: number; relpages: number }>("SELECT reltuples, relpages FROM pg_class WHERE oid = 'never.fresh'::regclass");
    expect(stats).toEqual({ reltuples: -1, relpages: 0 });

    const { facts, result } = await preflightOf(db.url, { schemas: ["never"] });
    const size = await exactSize("never.fresh");
    expect(size).toBeGreaterThan(2 * 1024 ** 2);
    const recorded = buildSourcePreflightOutput(facts, undefined).largestTables[0];
    expect(recorded).toEqual({ schema: "never", table: "fresh", sizeBytes: size, rowEstimate: 0 });
    const [sizing] = findingsOf(result, "sizing.instance");
    expect(sizing?.found.split("\n")[1]).toMatch(/^never\.fresh: 2(\.\d+)? MiB, ~0 rows$/);

    const maxima = facts.dataScan.status === "done" ? facts.dataScan.lobMaxima.filter((l) => l.table === "fresh") : [];
    expect(maxima).toEqual([{ schema: "never", table: "fresh", column: "doc", type: "text", maxBytes: 5000 }]);
    expect(findingsOf(result, "types.infinity")[0]?.found).toBe("never.fresh.until (timestamp without time zone)");
  });

  it("GIVEN a table analyzed while empty and loaded since (2 MB), among 25 analyzed tables THEN it is listed as the largest with its real size and its LOB is measured", async () => {
    await analyzedTables("stale");
    await db.sql("CREATE TABLE stale.loaded (id int PRIMARY KEY, doc text) WITH (autovacuum_enabled = false); ANALYZE stale.loaded");
    await db.sql("INSERT INTO stale.loaded SELECT g, repeat('d', 200) FROM generate_series(1, 8000) g; INSERT INTO stale.loaded VALUES (0, repeat('L', 7000))");
    await statisticsSee("stale.loaded");
    const [stats] = await db.sql<{ reltuples: number; relpages: number }>("SELECT reltuples, relpages FROM pg_class WHERE oid = 'stale.loaded'::regclass");
    expect(stats).toEqual({ reltuples: 0, relpages: 0 });

    const { facts, result } = await preflightOf(db.url, { schemas: ["stale"] });
    const size = await exactSize("stale.loaded");
    expect(buildSourcePreflightOutput(facts, undefined).largestTables[0]).toEqual({ schema: "stale", table: "loaded", sizeBytes: size, rowEstimate: 0 });
    expect(findingsOf(result, "sizing.instance")[0]?.found.split("\n")[1]).toMatch(/^stale\.loaded: 2(\.\d+)? MiB, ~0 rows$/);
    const maxima = facts.dataScan.status === "done" ? facts.dataScan.lobMaxima.filter((l) => l.table === "loaded") : [];
    expect(maxima.map((l) => l.maxBytes)).toEqual([7000]);
  });

  it("GIVEN 25 analyzed tables of growing sizes THEN the 20 largest are listed largest first, each with its exact size", async () => {
    await db.sql(
      `CREATE SCHEMA grow;
       DO $$ BEGIN FOR i IN 1..25 LOOP
         EXECUTE format('CREATE TABLE grow."T %s" (id int PRIMARY KEY, body text)', i);
         EXECUTE format('INSERT INTO grow."T %s" SELECT g, repeat(''g'', 60) FROM generate_series(1, %s) g', i, i * 300);
       END LOOP; END $$`,
    );
    await db.sql("VACUUM ANALYZE");
    const { facts } = await preflightOf(db.url, { schemas: ["grow"] });
    const listed = buildSourcePreflightOutput(facts, undefined).largestTables;
    expect(listed.map((t) => t.table)).toEqual(Array.from({ length: 20 }, (_, i) => `T ${25 - i}`));
    for (const t of listed) expect(t.sizeBytes).toBe(await exactSize(`grow."${t.table}"`));
  });
});
