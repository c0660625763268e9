import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectUrl } from "../../src/adapters/postgres/connect-url.js";
import { type TableStatus, validateDatabases } from "../../src/migration/validate/compare.js";
import { FLOAT_SECONDS_RANGE } from "../../src/migration/validate/row-hash.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";

/**
 * The row digest (row-hash.ts summed per table, checksum.ts) against the differences it must
 * see, on tables shaped like the benchmark's (bigint key, integers, text, timestamptz), one
 * without a key, and the 64-bit types whose PostgreSQL hash folds its two halves together.
 */
const PAIR = `
  CREATE TABLE public.load (id bigint PRIMARY KEY, a integer, b integer, c text, d timestamptz);
  INSERT INTO public.load SELECT g, (g::bigint * 7919) % 1000003, g % 1000, md5(g::text), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
    FROM generate_series(1, 5000) g;
  CREATE TABLE public.nokey (v text, w integer);
  INSERT INTO public.nokey VALUES ('a', 1), ('b', 2), ('c', 3);
  CREATE TABLE public.kv (k text NOT NULL, v integer);
  INSERT INTO public.kv VALUES ('a', 1), ('b', 2), ('c', NULL);
  CREATE TABLE public.wide (id integer PRIMARY KEY, big bigint, ts timestamp, tz timestamptz, tm time);
  INSERT INTO public.wide VALUES (1, 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '10:00'),
    (2, -2, '1500-06-01 12:00:00', '3000-06-01 12:00:00+00', '23:59:59.999999'), (3, NULL, 'infinity', '-infinity', NULL),
    -- At the edges of the range where timestamps hash as float seconds (row-hash.ts TIMESTAMPS).
    (4, NULL, '1864-01-01 00:00:00.000001', '2135-12-31 23:59:59.999998+00', NULL), (5, NULL, '1864-01-01 00:00:00', '2135-12-31 23:59:59.999999+00', NULL);
`;

/** Microseconds to add to `base` (µs) to flip its bit 0 and bit 32 together: int8's folded hash does not change. */
const foldTwin = (base: bigint): bigint => (base ^ 0x1_0000_0001n) - base;
/** 2024-01-01 00:00:00 in microseconds since 2000-01-01 (PostgreSQL's timestamps). */
const Y2024 = 757_382_400_000_000n;
const TEN_AM = 36_000_000_000n;

describe("validate --checksum's row digest sees each kind of difference (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "valdsrc"), freshDatabase("target", "valdtgt")]);
    await Promise.all([source.sql(PAIR), target.sql(PAIR)]);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  async function statuses(jobs = 2): Promise<Record<string, TableStatus>> {
    const report = await validateDatabases({
      connectSource: () => connectUrl(source.url),
      connectTarget: () => connectUrl(target.url),
      schemas: ["public"],
      checksum: true,
      jobs,
      parity: false,
      objects: false,
    });
    return Object.fromEntries(report.tables.map((t) => [t.table, t.status]));
  }

  const same = { kv: "match", load: "match", nokey: "match", wide: "match" };

  it("GIVEN the same rows on both sides WHEN validated with 1 or 2 jobs THEN every table matches", async () => {
    expect(await statuses(1)).toEqual(same);
    expect(await statuses(2)).toEqual(same);
  });

  const changes: [string, string, string, Record<string, TableStatus>][] = [
    ["a single changed value", "UPDATE public.load SET c = 'x' || c WHERE id = 2500", "UPDATE public.load SET c = substr(c, 2) WHERE id = 2500", { load: "checksum-differs" }],
    ["a missing row", "DELETE FROM public.load WHERE id = 4999", "INSERT INTO public.load VALUES (4999, (4999 * 7919) % 1000003, 4999 % 1000, md5('4999'), timestamptz '2024-01-01 00:00:00+00' + 4999 * interval '1 second')", { load: "rows-differ" }],
    [
      "a duplicated row in place of another (no key, same count)",
      "DELETE FROM public.nokey WHERE v = 'c'; INSERT INTO public.nokey VALUES ('b', 2)",
      "DELETE FROM public.nokey WHERE v = 'b'; INSERT INTO public.nokey VALUES ('b', 2), ('c', 3)",
      { nokey: "checksum-differs" },
    ],
    ["two rows swapping one column's values", "UPDATE public.load SET a = CASE id WHEN 10 THEN (20 * 7919) % 1000003 ELSE (10 * 7919) % 1000003 END WHERE id IN (10, 20)", "UPDATE public.load SET a = (id * 7919) % 1000003 WHERE id IN (10, 20)", { load: "checksum-differs" }],
    ["a bigint key 1 → 4294967296 (equal under int8's folded hash)", "UPDATE public.load SET id = 4294967296 WHERE id = 1", "UPDATE public.load SET id = 1 WHERE id = 4294967296", { load: "checksum-differs" }],
    ["a bigint -2 → -4294967297 (equal under int8's folded hash)", "UPDATE public.wide SET big = -4294967297 WHERE id = 2", "UPDATE public.wide SET big = -2 WHERE id = 2", { wide: "checksum-differs" }],
    ["a NULL bigint into 0", "UPDATE public.wide SET big = 0 WHERE id = 3", "UPDATE public.wide SET big = NULL WHERE id = 3", { wide: "checksum-differs" }],
    [
      "a timestamptz moved so its 64-bit halves change together",
      `UPDATE public.wide SET tz = tz + ${foldTwin(Y2024)} * interval '1 microsecond' WHERE id = 1`,
      "UPDATE public.wide SET tz = '2024-01-01 00:00:00+00' WHERE id = 1",
      { wide: "checksum-differs" },
    ],
    [
      "a timestamp moved so its 64-bit halves change together",
      `UPDATE public.wide SET ts = ts + ${foldTwin(Y2024)} * interval '1 microsecond' WHERE id = 1`,
      "UPDATE public.wide SET ts = '2024-01-01 00:00:00' WHERE id = 1",
      { wide: "checksum-differs" },
    ],
    [
      "a time moved so its 64-bit halves change together",
      `UPDATE public.wide SET tm = tm + ${foldTwin(TEN_AM)} * interval '1 microsecond' WHERE id = 1`,
      "UPDATE public.wide SET tm = '10:00' WHERE id = 1",
      { wide: "checksum-differs" },
    ],
    ["a far timestamptz by one microsecond", "UPDATE public.wide SET tz = tz + interval '1 microsecond' WHERE id = 2", "UPDATE public.wide SET tz = '3000-06-01 12:00:00+00' WHERE id = 2", { wide: "checksum-differs" }],
    ["a far timestamp by one microsecond", "UPDATE public.wide SET ts = ts - interval '1 microsecond' WHERE id = 2", "UPDATE public.wide SET ts = '1500-06-01 12:00:00' WHERE id = 2", { wide: "checksum-differs" }],
    ["a timestamptz at the top of the float range by one microsecond", "UPDATE public.wide SET tz = tz + interval '1 microsecond' WHERE id = 4", "UPDATE public.wide SET tz = '2135-12-31 23:59:59.999998+00' WHERE id = 4", { wide: "checksum-differs" }],
    ["a timestamptz out of the float range by one microsecond", "UPDATE public.wide SET tz = tz + interval '1 microsecond' WHERE id = 5", "UPDATE public.wide SET tz = '2135-12-31 23:59:59.999999+00' WHERE id = 5", { wide: "checksum-differs" }],
    ["a timestamp at the bottom of the float range by one microsecond", "UPDATE public.wide SET ts = ts - interval '1 microsecond' WHERE id = 4", "UPDATE public.wide SET ts = '1864-01-01 00:00:00.000001' WHERE id = 4", { wide: "checksum-differs" }],
    ["a timestamp out of the float range by one microsecond", "UPDATE public.wide SET ts = ts - interval '1 microsecond' WHERE id = 5", "UPDATE public.wide SET ts = '1864-01-01 00:00:00' WHERE id = 5", { wide: "checksum-differs" }],
    ["a NOT NULL text column's value (the row hash's last hash)", "UPDATE public.kv SET k = 'b2' WHERE k = 'b'", "UPDATE public.kv SET k = 'b' WHERE k = 'b2'", { kv: "checksum-differs" }],
    ["two rows swapping their NOT NULL text values", "UPDATE public.kv SET k = CASE k WHEN 'a' THEN 'b' ELSE 'a' END WHERE k IN ('a', 'b')", "UPDATE public.kv SET k = CASE k WHEN 'a' THEN 'b' ELSE 'a' END WHERE k IN ('a', 'b')", { kv: "checksum-differs" }],
    ["a value beside a NOT NULL column into NULL", "UPDATE public.kv SET v = NULL WHERE k = 'a'", "UPDATE public.kv SET v = 1 WHERE k = 'a'", { kv: "checksum-differs" }],
    ["a timestamp from infinity to -infinity", "UPDATE public.wide SET ts = '-infinity' WHERE id = 3", "UPDATE public.wide SET ts = 'infinity' WHERE id = 3", { wide: "checksum-differs" }],
  ];

  it.each(changes)("GIVEN %s on the target WHEN validated THEN that table differs and the others match", async (_what, change, undo, expected) => {
    await target.sql(change);
    try {
      expect(await statuses(1)).toEqual({ ...same, ...expected });
      expect(await statuses(2)).toEqual({ ...same, ...expected });
    } finally {
      await target.sql(undo);
    }
    expect(await statuses()).toEqual(same);
  });
  it("GIVEN a column NOT NULL on the source only WHEN validated THEN the same rows still match and a change is still seen (the NULL-safe hash on both sides)", async () => {
    await target.sql("ALTER TABLE public.kv ALTER COLUMN k DROP NOT NULL");
    try {
      expect(await statuses(1)).toEqual(same);
      await target.sql("UPDATE public.kv SET v = 5 WHERE k = 'c'");
      expect(await statuses(1)).toEqual({ ...same, kv: "checksum-differs" });
      await target.sql("UPDATE public.kv SET v = NULL WHERE k = 'c'");
    } finally {
      await target.sql("ALTER TABLE public.kv ALTER COLUMN k SET NOT NULL");
    }
    expect(await statuses()).toEqual(same);
  });

  it.each([
    ["timestamptz", "tstzrange_subdiff", `${FLOAT_SECONDS_RANGE.to}+00`, `${FLOAT_SECONDS_RANGE.from}+00`, "2000-01-01 00:00:00+00"],
    ["timestamp", "tsrange_subdiff", FLOAT_SECONDS_RANGE.to, FLOAT_SECONDS_RANGE.from, "2000-01-01 00:00:00"],
  ])("GIVEN every %s microsecond of the float range's first and last second WHEN turned into seconds as the digest does THEN no two give the same float, on either major", async (type, diff, end, start, zero) => {
    // One second's microseconds from `first` (an SQL expression of the type).
    const distinct = (first: string) =>
      `SELECT count(DISTINCT ${diff}(t, '${zero}'::${type}))::int AS n FROM generate_series(${first}, ${first} + interval '999999 microseconds', interval '1 microsecond') t`;
    for (const db of [source, target]) {
      const [top] = await db.sql<{ n: number }>(distinct(`'${end}'::${type} - interval '1 second'`));
      const [bottom] = await db.sql<{ n: number }>(distinct(`'${start}'::${type}`));
      expect([top!.n, bottom!.n]).toEqual([1_000_000, 1_000_000]);
    }
  });
});
