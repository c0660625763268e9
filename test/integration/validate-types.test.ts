import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectUrl } from "../../src/adapters/postgres/connect-url.js";
import { type TableStatus, validateDatabases } from "../../src/migration/validate/compare.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";

/** One column of each common type, in a schema and table whose names need quoting; the same rows on both sides. */
const S = `"Typed ""Data"""`;
const PAIR = `
  CREATE EXTENSION IF NOT EXISTS citext;
  CREATE COLLATION IF NOT EXISTS public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  CREATE SCHEMA ${S};
  CREATE TYPE ${S}.mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN ${S}.posint AS integer CHECK (VALUE > 0);
  CREATE TABLE ${S}."All Types" (
    id integer PRIMARY KEY, "i" integer, i2 integer, "select" bigint, s smallint, n numeric, t text, vc varchar(20), bc char(5),
    "by" bytea, jb jsonb, js json, ts timestamptz, tsn timestamp, d date, tm time, f8 float8, f4 real, arr integer[],
    e ${S}.mood, dm ${S}.posint, ci citext, u uuid, bo boolean, iv interval, nd text COLLATE public.ci, "Ünï" text, bp bpchar);
  INSERT INTO ${S}."All Types" VALUES
    (1, 10, 20, 9000000000, 3, 1.50, 'alpha', 'v1', 'ab', '\\x0102', '{"a": 1.0}', '{"a":1}', '2024-05-01 10:00:00.000001+00', '2024-05-01 10:00', '2024-05-01', '10:00',
     'NaN', 1.5, '{1,2}', 'sad', 5, 'abc', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, '1 day', 'abc', 'ü', 'ab'),
    (2, 11, 21, -1, -3, 2.25, 'beta', 'v2', 'cd', '\\x', '[1, 2]', '[]', 'infinity', '2024-05-02 10:00', '-infinity', '11:00',
     0, -2.5, '{3}', 'happy', 6, 'DEF', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', false, '2 hours', 'def', 'x', 'cd'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  CREATE TABLE ${S}.bag (v text, w integer);
  INSERT INTO ${S}.bag VALUES ('a', 1), ('b', 2), ('b', 2);
`;
const T = `${S}."All Types"`;

describe("validate --checksum sees one changed value of any common type (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "valtsrc"), freshDatabase("target", "valttgt")]);
    // Different session defaults on the target must not change any hash.
    await target.sql(`ALTER DATABASE ${target.name} SET timezone = 'Asia/Tokyo'`);
    await target.sql(`ALTER DATABASE ${target.name} SET extra_float_digits = 0`);
    // Enum labels get other OIDs on the target (as after any dump and restore).
    await target.sql("CREATE TYPE public.spacer AS ENUM ('x', 'y', 'z')");
    await Promise.all([source.sql(PAIR), target.sql(PAIR)]);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  async function statuses(): Promise<Record<string, TableStatus>> {
    const report = await validateDatabases({
      connectSource: () => connectUrl(source.url),
      connectTarget: () => connectUrl(target.url),
      schemas: ['Typed "Data"'],
      checksum: true,
      jobs: 2,
      parity: false,
      objects: false,
    });
    return Object.fromEntries(report.tables.map((t) => [t.table, t.status]));
  }

  it("GIVEN the same rows of every type on both sides WHEN validated with --checksum THEN both tables match", async () => {
    expect(await statuses()).toEqual({ "All Types": "match", bag: "match" });
  });

  const changes: [string, string, string][] = [
    ["an integer", `UPDATE ${T} SET "i" = 12 WHERE id = 1`, `UPDATE ${T} SET "i" = 10 WHERE id = 1`],
    ["a bigint", `UPDATE ${T} SET "select" = 9000000001 WHERE id = 1`, `UPDATE ${T} SET "select" = 9000000000 WHERE id = 1`],
    ["a smallint", `UPDATE ${T} SET s = 4 WHERE id = 1`, `UPDATE ${T} SET s = 3 WHERE id = 1`],
    ["a numeric's trailing zero (1.50 → 1.5, equal as numbers)", `UPDATE ${T} SET n = 1.5 WHERE id = 1`, `UPDATE ${T} SET n = 1.50 WHERE id = 1`],
    ["a text", `UPDATE ${T} SET t = 'alphA' WHERE id = 1`, `UPDATE ${T} SET t = 'alpha' WHERE id = 1`],
    ["a varchar", `UPDATE ${T} SET vc = 'v9' WHERE id = 1`, `UPDATE ${T} SET vc = 'v1' WHERE id = 1`],
    ["a character(n)", `UPDATE ${T} SET bc = 'ac' WHERE id = 1`, `UPDATE ${T} SET bc = 'ab' WHERE id = 1`],
    ["an unbounded bpchar's trailing blanks (equal as bpchar)", `UPDATE ${T} SET bp = 'ab  ' WHERE id = 1`, `UPDATE ${T} SET bp = 'ab' WHERE id = 1`],
    ["a bytea", `UPDATE ${T} SET "by" = '\\x0103' WHERE id = 1`, `UPDATE ${T} SET "by" = '\\x0102' WHERE id = 1`],
    ["a jsonb value", `UPDATE ${T} SET jb = '{"a": 2}' WHERE id = 1`, `UPDATE ${T} SET jb = '{"a": 1.0}' WHERE id = 1`],
    ["a jsonb number's trailing zero (1.0 → 1.00)", `UPDATE ${T} SET jb = '{"a": 1.00}' WHERE id = 1`, `UPDATE ${T} SET jb = '{"a": 1.0}' WHERE id = 1`],
    ["a json's whitespace", `UPDATE ${T} SET js = '{"a": 1}' WHERE id = 1`, `UPDATE ${T} SET js = '{"a":1}' WHERE id = 1`],
    ["a timestamptz by one microsecond", `UPDATE ${T} SET ts = ts + interval '1 microsecond' WHERE id = 1`, `UPDATE ${T} SET ts = ts - interval '1 microsecond' WHERE id = 1`],
    ["a timestamptz from infinity to -infinity", `UPDATE ${T} SET ts = '-infinity' WHERE id = 2`, `UPDATE ${T} SET ts = 'infinity' WHERE id = 2`],
    ["a timestamptz from infinity to NULL", `UPDATE ${T} SET ts = NULL WHERE id = 2`, `UPDATE ${T} SET ts = 'infinity' WHERE id = 2`],
    ["a date from -infinity to infinity", `UPDATE ${T} SET d = 'infinity' WHERE id = 2`, `UPDATE ${T} SET d = '-infinity' WHERE id = 2`],
    ["a timestamp", `UPDATE ${T} SET tsn = tsn + interval '1 second' WHERE id = 1`, `UPDATE ${T} SET tsn = tsn - interval '1 second' WHERE id = 1`],
    ["a date", `UPDATE ${T} SET d = 'infinity' WHERE id = 1`, `UPDATE ${T} SET d = '2024-05-01' WHERE id = 1`],
    ["a time", `UPDATE ${T} SET tm = '10:00:01' WHERE id = 1`, `UPDATE ${T} SET tm = '10:00' WHERE id = 1`],
    ["a float8 NaN", `UPDATE ${T} SET f8 = 'Infinity' WHERE id = 1`, `UPDATE ${T} SET f8 = 'NaN' WHERE id = 1`],
    ["a float8 zero's sign (0 → -0, equal as numbers)", `UPDATE ${T} SET f8 = '-0' WHERE id = 2`, `UPDATE ${T} SET f8 = 0 WHERE id = 2`],
    ["a real", `UPDATE ${T} SET f4 = 1.25 WHERE id = 1`, `UPDATE ${T} SET f4 = 1.5 WHERE id = 1`],
    ["an array's order", `UPDATE ${T} SET arr = '{2,1}' WHERE id = 1`, `UPDATE ${T} SET arr = '{1,2}' WHERE id = 1`],
    ["an array's dimensions ({1,2} → {{1,2}})", `UPDATE ${T} SET arr = '{{1,2}}' WHERE id = 1`, `UPDATE ${T} SET arr = '{1,2}' WHERE id = 1`],
    ["an enum", `UPDATE ${T} SET e = 'ok' WHERE id = 1`, `UPDATE ${T} SET e = 'sad' WHERE id = 1`],
    ["a domain over integer", `UPDATE ${T} SET dm = 7 WHERE id = 1`, `UPDATE ${T} SET dm = 5 WHERE id = 1`],
    ["a citext's case only (abc → ABC, equal for citext)", `UPDATE ${T} SET ci = 'ABC' WHERE id = 1`, `UPDATE ${T} SET ci = 'abc' WHERE id = 1`],
    ["a text's case only under a nondeterministic collation", `UPDATE ${T} SET nd = 'ABC' WHERE id = 1`, `UPDATE ${T} SET nd = 'abc' WHERE id = 1`],
    ["an interval's form (1 day → 24 hours, equal as intervals)", `UPDATE ${T} SET iv = '24 hours' WHERE id = 1`, `UPDATE ${T} SET iv = '1 day' WHERE id = 1`],
    ["a uuid", `UPDATE ${T} SET u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' WHERE id = 1`, `UPDATE ${T} SET u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' WHERE id = 1`],
    ["a boolean", `UPDATE ${T} SET bo = false WHERE id = 1`, `UPDATE ${T} SET bo = true WHERE id = 1`],
    ["a unicode-named column", `UPDATE ${T} SET "Ünï" = 'ú' WHERE id = 1`, `UPDATE ${T} SET "Ünï" = 'ü' WHERE id = 1`],
    ["a NULL into an empty string", `UPDATE ${T} SET t = '' WHERE id = 3`, `UPDATE ${T} SET t = NULL WHERE id = 3`],
    ["a NULL bytea into an empty one", `UPDATE ${T} SET "by" = '\\x' WHERE id = 3`, `UPDATE ${T} SET "by" = NULL WHERE id = 3`],
    ["a NULL integer into 0", `UPDATE ${T} SET "i" = 0 WHERE id = 3`, `UPDATE ${T} SET "i" = NULL WHERE id = 3`],
    ["two rows swapping one column's values", `UPDATE ${T} SET "i" = 21 - "i" WHERE id IN (1, 2)`, `UPDATE ${T} SET "i" = 21 - "i" WHERE id IN (1, 2)`],
    ["one row swapping two columns' values", `UPDATE ${T} SET "i" = i2, i2 = "i" WHERE id = 1`, `UPDATE ${T} SET "i" = i2, i2 = "i" WHERE id = 1`],
  ];

  it.each(changes)("GIVEN %s changed in one row on the target WHEN validated with --checksum THEN the table's content differs", async (_what, change, undo) => {
    await target.sql(change);
    try {
      expect(await statuses()).toEqual({ "All Types": "checksum-differs", bag: "match" });
    } finally {
      await target.sql(undo);
    }
    expect((await statuses())["All Types"]).toBe("match");
  });

  it("GIVEN a table without a key whose target lost one row and holds a duplicate of another instead WHEN validated THEN its content differs", async () => {
    try {
      // Source (a,1) (b,2) (b,2); target (a,1) (a,1) (b,2): the same count.
      await target.sql(`DELETE FROM ${S}.bag WHERE ctid = (SELECT max(ctid) FROM ${S}.bag WHERE v = 'b'); INSERT INTO ${S}.bag VALUES ('a', 1)`);
      expect(await statuses()).toEqual({ "All Types": "match", bag: "checksum-differs" });
      // Target (a,1) (c,3) (c,3): an XOR of the rows' hashes equals the source's, a sum does not.
      await target.sql(`TRUNCATE ${S}.bag; INSERT INTO ${S}.bag VALUES ('a', 1), ('c', 3), ('c', 3)`);
      expect(await statuses()).toEqual({ "All Types": "match", bag: "checksum-differs" });
    } finally {
      await target.sql(`TRUNCATE ${S}.bag; INSERT INTO ${S}.bag VALUES ('a', 1), ('b', 2), ('b', 2)`);
    }
    expect((await statuses()).bag).toBe("match");
  });
});
