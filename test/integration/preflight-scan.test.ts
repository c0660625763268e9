/**
 * The data scan split over sessions of its own (check-source opens them from 500 tables on):
 * what it finds must be exactly what the one-session scan finds, in the same order.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARALLEL_SCAN_FROM_TABLES } from "../../src/adapters/postgres/source-facts/index.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { findingsOf, preflightOf } from "../support/preflight.js";

let db: TestDatabase;
const opened: pg.Client[] = [];
beforeAll(async () => {
  db = await freshDatabase("source", "pf_scan");
});
afterAll(async () => {
  await db?.drop();
});

async function openSession(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  opened.push(client);
  return client;
}

describe("data scan on sessions of its own", () => {
  it("GIVEN 600 tables with LOB, jsonb and timestamp columns (odd names, one infinity, one large value) WHEN scanned on two sessions THEN the same LOB maxima, infinities and findings as on one session, and every session closed", async () => {
    expect(PARALLEL_SCAN_FROM_TABLES).toBeLessThanOrEqual(600);
    await db.sql(`CREATE SCHEMA "Scan Ü"`);
    for (const [from, to] of [[1, 300], [301, 600]]) {
      await db.sql(
        `DO $$ BEGIN FOR i IN ${from}..${to} LOOP
           EXECUTE format('CREATE TABLE "Scan Ü".%I (id int PRIMARY KEY, "Body" text, meta jsonb, "order" timestamp)', 'T "' || i);
           EXECUTE format('INSERT INTO "Scan Ü".%I VALUES (1, repeat(''b'', %s), ''{"i": %s}'', now())', 'T "' || i, i, i);
         END LOOP; END $$`,
      );
    }
    await db.sql(`UPDATE "Scan Ü"."T ""417" SET "order" = '-infinity'; UPDATE "Scan Ü"."T ""33" SET "Body" = repeat('é', 40000)`);

    const one = await preflightOf(db.url, { schemas: ["Scan Ü"] });
    const two = await preflightOf(db.url, { schemas: ["Scan Ü"], openSession, scanSessions: 2 });

    expect(two.facts.dataScan).toEqual(one.facts.dataScan);
    expect(two.result.findings).toEqual(one.result.findings);
    expect(one.facts.dataScan.status === "done" && one.facts.dataScan.lobMaxima).toHaveLength(1200);
    expect(findingsOf(two.result, "types.infinity")[0]?.found).toBe('"Scan Ü"."T ""417"."order" (timestamp without time zone)');
    expect(findingsOf(two.result, "lobs.largest")[0]?.found.split("\n")[0]).toBe('"Scan Ü"."T ""33"."Body" (text): 78 KiB');
    // 600 tables: one statement on one session; two sessions read at most 500 tables each per statement.
    expect([one.queries.dataScan, two.queries.dataScan]).toEqual([1, 2]);
    expect(two.queries.catalog).toBe(one.queries.catalog);
    expect(opened).toHaveLength(2);
    for (const session of opened) await expect(session.query("SELECT 1")).rejects.toThrow();
  });

  it("GIVEN 10 tables and a session opener THEN no session is opened: the scan stays on the caller's", async () => {
    await db.sql(`CREATE SCHEMA few; CREATE TABLE few.t (id int PRIMARY KEY, body text); INSERT INTO few.t VALUES (1, 'abc')`);
    const before = opened.length;
    const { facts } = await preflightOf(db.url, { schemas: ["few"], openSession });
    expect(opened).toHaveLength(before);
    expect(facts.dataScan.status === "done" && facts.dataScan.lobMaxima.map((l) => l.maxBytes)).toEqual([3]);
  });
});
