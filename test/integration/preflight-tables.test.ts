/** Table, column-type, LOB, extension and schema checks, on databases of the shared source. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { findingsOf, preflightOf } from "../support/preflight.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "pf_tables");
});
afterAll(async () => {
  await db?.drop();
});

/** Each test works in a schema of its own, so the checks see only what it created. */
async function inSchema(schema: string, ddl: string) {
  await db.sql(`CREATE SCHEMA ${schema}; SET search_path = ${schema}; ${ddl}`);
  return (await preflightOf(db.url, { schemas: [schema] })).result;
}

describe("row identity", () => {
  it("GIVEN a table without a primary key THEN a warning with ADD PRIMARY KEY or REPLICA IDENTITY FULL", async () => {
    const result = await inSchema("nopk", "CREATE TABLE events (at timestamp, what text)");
    const [finding] = findingsOf(result, "tables.no_primary_key");
    expect(finding?.severity).toBe("warning");
    expect(finding?.found).toBe("nopk.events");
    expect(finding?.fix).toContain("ALTER TABLE nopk.events ADD PRIMARY KEY (<column>);");
    expect(finding?.fix).toContain("ALTER TABLE nopk.events REPLICA IDENTITY FULL;");
  });

  it("GIVEN tables with a primary key or REPLICA IDENTITY FULL THEN quiet", async () => {
    const result = await inSchema("withpk", "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (x int); ALTER TABLE b REPLICA IDENTITY FULL;");
    expect(findingsOf(result, "tables.no_primary_key")).toEqual([]);
  });

  it("GIVEN a text primary key THEN a LOB-key warning; GIVEN a varchar(64) key THEN quiet", async () => {
    const fires = await inSchema("lobpk", "CREATE TABLE codes (code text PRIMARY KEY)");
    expect(findingsOf(fires, "tables.lob_primary_key")[0]?.found).toBe("lobpk.codes.code (text)");
    const quiet = await inSchema("varcharpk", "CREATE TABLE codes (code varchar(64) PRIMARY KEY)");
    expect(findingsOf(quiet, "tables.lob_primary_key")).toEqual([]);
  });

  it("GIVEN an ARRAY column in a table without a key THEN a blocker; with a key THEN quiet", async () => {
    const fires = await inSchema("arr", "CREATE TABLE tagged (tags text[])");
    const [finding] = findingsOf(fires, "tables.array_without_pk");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found).toBe("arr.tagged (tags)");
    const quiet = await inSchema("arrpk", "CREATE TABLE tagged (id int PRIMARY KEY, tags text[])");
    expect(findingsOf(quiet, "tables.array_without_pk")).toEqual([]);
  });

  it("GIVEN tables and columns that differ only by case THEN a blocker lists both pairs; distinct names THEN quiet", async () => {
    const fires = await inSchema("cases", 'CREATE TABLE t1 (id int PRIMARY KEY); CREATE TABLE "T1" (id int PRIMARY KEY, "Name" text, name text)');
    const [finding] = findingsOf(fires, "tables.case_collision");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found).toContain('table cases."T1" / table cases.t1');
    expect(finding?.found).toContain('column cases."T1"."Name" / column cases."T1".name');
    const quiet = await inSchema("nocases", "CREATE TABLE t1 (id int PRIMARY KEY); CREATE TABLE t2 (id int PRIMARY KEY)");
    expect(findingsOf(quiet, "tables.case_collision")).toEqual([]);
  });
});

describe("column types DMS does not carry faithfully", () => {
  // Types outside the search path are shown schema-qualified, as format_type() does.
  it("GIVEN unconstrained and 50-digit numerics, an enum, inet, macaddr, a range, a composite and timestamptz THEN each is named", async () => {
    const result = await inSchema(
      "types",
      `CREATE TYPE mood AS ENUM ('ok', 'meh'); CREATE TYPE pair AS (a int, b int); CREATE DOMAIN big AS numeric(50, 2);
       CREATE TABLE t (id int PRIMARY KEY, free numeric, huge big, m mood, ip inet, mac macaddr, span int4range, p pair,
                       at timestamptz, moods mood[])`,
    );
    expect(findingsOf(result, "types.numeric_unconstrained")[0]?.found).toBe("types.t.free (numeric)");
    expect(findingsOf(result, "types.numeric_precision")[0]?.found).toBe("types.t.huge (types.big)");
    expect(findingsOf(result, "types.not_faithful")[0]?.found.split("\n")).toEqual([
      "types.t.m (types.mood): enum",
      "types.t.ip (inet): inet",
      "types.t.mac (macaddr): macaddr",
      "types.t.span (int4range): range",
      "types.t.p (types.pair): composite",
      "types.t.moods (types.mood[]): enum",
    ]);
    expect(findingsOf(result, "types.partial")[0]?.found).toBe("types.t.at (timestamp with time zone)");
  });

  it("GIVEN only plain types (int, numeric(12,2), varchar(n), timestamp, boolean) THEN no type finding", async () => {
    const result = await inSchema("plain", "CREATE TABLE t (id int PRIMARY KEY, price numeric(12,2), name varchar(80), at timestamp, ok boolean)");
    expect(result.findings.filter((f) => f.check.startsWith("types."))).toEqual([]);
  });

  it("GIVEN a timestamp holding infinity THEN a warning from the data scan; finite values only THEN quiet", async () => {
    const fires = await inSchema("inf", "CREATE TABLE t (id int PRIMARY KEY, until timestamp); INSERT INTO t VALUES (1, 'infinity'), (2, now())");
    expect(findingsOf(fires, "types.infinity")[0]?.found).toBe("inf.t.until (timestamp without time zone)");
    const quiet = await inSchema("fin", "CREATE TABLE t (id int PRIMARY KEY, until timestamp); INSERT INTO t VALUES (1, now())");
    expect(findingsOf(quiet, "types.infinity")).toEqual([]);
  });
});

describe("largest LOB values", () => {
  it("GIVEN text, jsonb, bytea, xml, hstore and array values THEN an info gives each column's largest value in bytes, largest first", async () => {
    await db.sql("CREATE EXTENSION IF NOT EXISTS hstore");
    const { result, facts, queries } = await (async () => {
      await db.sql(`CREATE SCHEMA lobs; CREATE TABLE lobs.docs (id int PRIMARY KEY, body text, meta jsonb, raw bytea, x xml, h public.hstore, tags int[]);
        INSERT INTO lobs.docs VALUES (1, repeat('é', 3000), '{"k": "v"}', decode(repeat('ff', 70000), 'hex'), '<a>b</a>', 'a=>b', '{1,2,3}'),
                                     (2, 'short', NULL, NULL, NULL, NULL, NULL)`);
      return preflightOf(db.url, { schemas: ["lobs"] });
    })();
    expect(queries.dataScan).toBe(1);
    const maxima = facts.dataScan.status === "done" ? facts.dataScan.lobMaxima : [];
    expect(Object.fromEntries(maxima.map((l) => [l.column, l.maxBytes]))).toEqual({ body: 6000, meta: 10, raw: 70000, x: 8, h: 8, tags: 7 });
    const [finding] = findingsOf(result, "lobs.largest");
    expect(finding?.severity).toBe("info");
    expect(finding?.title).toBe("Largest LOB value: 68 KiB (in 6 LOB-type column(s))");
    expect(finding?.found.split("\n")[0]).toBe("lobs.docs.raw (bytea): 68 KiB");
    expect(finding?.fix).toContain("LobMaxSize = 69 KB");
  });

  it("GIVEN tables without LOB-type columns THEN no LOB finding and no data scan at all", async () => {
    const { result, queries } = await (async () => {
      await db.sql("CREATE SCHEMA nolobs; CREATE TABLE nolobs.t (id int PRIMARY KEY, n int)");
      return preflightOf(db.url, { schemas: ["nolobs"] });
    })();
    expect(findingsOf(result, "lobs.largest")).toEqual([]);
    expect(queries.dataScan).toBe(0);
  });

  it("GIVEN a data scan that cannot finish within its statement timeout THEN a warning says the LOB sizes are unknown, and the rest still runs", async () => {
    await db.sql("CREATE SCHEMA slow; CREATE TABLE slow.t (id int PRIMARY KEY, body text); INSERT INTO slow.t SELECT g, repeat('z', 200) FROM generate_series(1, 300000) g");
    const { result } = await preflightOf(db.url, { schemas: ["slow"], dataScanTimeoutMs: 1 });
    const [finding] = findingsOf(result, "lobs.scan_failed");
    expect(finding?.found).toBe("the data scan stopped: it did not finish within 1 ms (statement timeout)");
    expect(findingsOf(result, "sizing.instance")).toHaveLength(1);
  });
});

describe("query count", () => {
  it("GIVEN 1 table and then 1,001 tables THEN the same number of catalog queries, and the data scan splits at 1,000 tables per statement", async () => {
    await db.sql("CREATE SCHEMA one; CREATE TABLE one.t (id int PRIMARY KEY, body text)");
    const few = await preflightOf(db.url, { schemas: ["one"] });
    await db.sql("CREATE SCHEMA many");
    for (const [from, to] of [[1, 400], [401, 800], [801, 1001]]) {
      await db.sql(`DO $$ BEGIN FOR i IN ${from}..${to} LOOP EXECUTE format('CREATE TABLE many.t_%s (id int PRIMARY KEY, body text)', i); END LOOP; END $$`);
    }
    const many = await preflightOf(db.url, { schemas: ["many"] });
    expect(many.facts.tables).toHaveLength(1001);
    expect(many.queries.catalog).toBe(few.queries.catalog);
    expect([few.queries.dataScan, many.queries.dataScan]).toEqual([1, 2]);
    expect(many.facts.dataScan.status === "done" && many.facts.dataScan.lobMaxima).toHaveLength(1001);
  });
});

describe("extensions", () => {
  it("GIVEN file_fdw installed THEN a warning that Aurora lacks it, with DROP EXTENSION; GIVEN only hstore THEN no such warning", async () => {
    const quiet = await preflightOf(db.url);
    expect(findingsOf(quiet.result, "extensions.aurora_missing")).toEqual([]);
    expect(findingsOf(quiet.result, "extensions.installed")[0]?.found).toContain("hstore");
    await db.sql("CREATE EXTENSION file_fdw");
    const fires = await preflightOf(db.url);
    const [finding] = findingsOf(fires.result, "extensions.aurora_missing");
    expect(finding?.found).toMatch(/^file_fdw [\d.]+: reads server files/);
    expect(finding?.fix).toContain("DROP EXTENSION file_fdw;");
    await db.sql("DROP EXTENSION file_fdw");
  });
});

describe("schemas and sizes", () => {
  it("GIVEN no --schemas THEN every non-system schema with tables is checked, and the sizing info suggests an instance class", async () => {
    const { facts, result } = await preflightOf(db.url);
    expect(facts.chosenSchemas).toEqual(facts.schemas.filter((s) => s.tableCount > 0).map((s) => s.name));
    expect(facts.chosenSchemas).toContain("lobs");
    expect(facts.chosenSchemas).not.toContain("aurora_migrate");
    const [sizing] = findingsOf(result, "sizing.instance");
    expect(sizing?.title).toMatch(/^Database [\d.]+ MiB in \d+ table\(s\); suggested replication instance: dms\.t3\.medium$/);
    expect(sizing?.found).toContain("slow.t:");
  });
});
