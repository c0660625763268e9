/**
 * The data scan's answers are exact whatever shape a table is in: every LOB-type column's
 * largest value in bytes (it sizes DMS's LobMaxSize) and every date/time column holding
 * ±infinity, on odd names, partitions, a domain over text, arrays, jsonb, a value compressed
 * inline (its TOAST relation empty), tables emptied by DELETE or TRUNCATE or never written
 * (an empty heap is answered without running its query), and tables the login cannot read
 * (listed, not read).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { findingsOf, preflightOf } from "../support/preflight.js";

let db: TestDatabase;
const reader = `pf_scan_reader_${randomBytes(3).toString("hex")}`;
const S = `"Scan ""Ex"""`;

beforeAll(async () => {
  db = await freshDatabase("source", "pf_scan_exact");
  await db.sql(`
    CREATE SCHEMA ${S};
    CREATE DOMAIN ${S}.note_t AS text;
    CREATE TABLE ${S}."Odd ""Name""" (id int PRIMARY KEY, "Body Text" text, tags text[], doc jsonb, at timestamptz, d date);
    INSERT INTO ${S}."Odd ""Name""" VALUES (1, repeat('é', 10), ARRAY['a', 'bc'], '{"k": "v"}', 'infinity', '2020-01-01'),
                                         (2, 'short', NULL, '[]', now(), '2021-01-01');
    CREATE TABLE ${S}.packed (id int PRIMARY KEY, body text);
    INSERT INTO ${S}.packed VALUES (1, repeat('x', 100000));
    CREATE TABLE ${S}.with_domain (id int PRIMARY KEY, note ${S}.note_t);
    INSERT INTO ${S}.with_domain VALUES (1, 'hello');
    CREATE TABLE ${S}.events (id int, at timestamp, payload bytea) PARTITION BY RANGE (id);
    CREATE TABLE ${S}.events_1 PARTITION OF ${S}.events FOR VALUES FROM (1) TO (100);
    CREATE TABLE ${S}.events_2 PARTITION OF ${S}.events FOR VALUES FROM (100) TO (200);
    INSERT INTO ${S}.events VALUES (1, '-infinity', '\\x0102030405');
    CREATE TABLE ${S}.emptied (id int PRIMARY KEY, body text);
    INSERT INTO ${S}.emptied VALUES (1, repeat('y', 5000));
    DELETE FROM ${S}.emptied;
    CREATE TABLE ${S}.truncated (id int PRIMARY KEY, body text, at date);
    INSERT INTO ${S}.truncated VALUES (1, repeat('z', 5000), 'infinity');
    TRUNCATE ${S}.truncated;
    CREATE TABLE ${S}.never (id int PRIMARY KEY, body varchar, at date);
    CREATE TABLE ${S}.denied (id int PRIMARY KEY, body text);
    INSERT INTO ${S}.denied VALUES (1, repeat('d', 700));
    CREATE TABLE ${S}.denied_empty (id int PRIMARY KEY, body text);
    CREATE ROLE ${reader} LOGIN;
    GRANT USAGE ON SCHEMA ${S} TO ${reader};
    GRANT SELECT ON ALL TABLES IN SCHEMA ${S} TO ${reader};
    REVOKE SELECT ON ${S}.denied, ${S}.denied_empty FROM ${reader};
  `);
});
afterAll(async () => {
  await db?.drop();
  await db?.sql(`DROP ROLE IF EXISTS ${reader}`).catch(() => undefined);
});

describe("data scan: exact on every table shape", () => {
  it("GIVEN LOB and date/time columns in tables of every shape (empty, emptied, truncated, partitioned, compressed inline, denied) THEN each LOB maximum is the exact byte size, each ±infinity is found, and denied tables are listed, not read", async () => {
    // The premise of the inline case: 100,000 bytes stored compressed in the heap, nothing in TOAST.
    const [toast] = await db.sql<{ bytes: string }>(`SELECT pg_relation_size(reltoastrelid)::text AS bytes FROM pg_class WHERE oid = '${S}.packed'::regclass`);
    expect(toast?.bytes).toBe("0");

    const { facts, result } = await preflightOf(db.urlAs(reader), { schemas: ['Scan "Ex"'] });
    const scan = facts.dataScan;
    expect(scan.status).toBe("done");
    if (scan.status !== "done") return;
    expect(scan.lobMaxima.map((l) => `${l.table}.${l.column}=${l.maxBytes}`).sort()).toEqual(
      [
        'Odd "Name".Body Text=20',
        'Odd "Name".tags=6', // {a,bc}
        'Odd "Name".doc=10', // {"k": "v"}
        "packed.body=100000",
        "with_domain.note=5",
        "events_1.payload=5",
        "events_2.payload=0",
        "emptied.body=0",
        "truncated.body=0",
        "never.body=0",
      ].sort(),
    );
    expect(scan.infinities.map((f) => `${f.table}.${f.column}`).sort()).toEqual(['Odd "Name".at', "events_1.at"]);
    expect(scan.skippedTables.sort()).toEqual(['Scan "Ex".denied', 'Scan "Ex".denied_empty']);
    expect(findingsOf(result, "types.infinity")).toHaveLength(1);
    expect(findingsOf(result, "lobs.largest")[0]?.found.split("\n")[0]).toBe('"Scan ""Ex""".packed.body (text): 98 KiB');
  });

  it("GIVEN a table analyzed while empty and written since (the statistics say 0 pages) THEN the scan reads it: an empty heap is judged from its file when the scan runs, never from statistics", async () => {
    await db.sql(`CREATE TABLE ${S}.refilled (id int PRIMARY KEY, body text, at date); ANALYZE ${S}.refilled;
                  INSERT INTO ${S}.refilled VALUES (1, repeat('r', 321), '-infinity')`);
    const { facts } = await preflightOf(db.url, { schemas: ['Scan "Ex"'] });
    expect(facts.dataScan.status === "done" && facts.dataScan.lobMaxima.find((l) => l.table === "refilled")?.maxBytes).toBe(321);
    expect(facts.dataScan.status === "done" && facts.dataScan.infinities.map((f) => f.table)).toContain("refilled");
  });
});
