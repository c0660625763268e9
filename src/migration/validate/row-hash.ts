import { quoteIdent } from "../../plan/sql-text.js";
import type { TableColumn } from "./tables.js";

/**
 * How a row's 64-bit hash is computed on both sides (the same expression on both):
 * - "typed" (both servers PostgreSQL 14+): each column through its type's own extended hash
 *   function where that hash is exact and the same on every major, the rest through text;
 * - "text" (either side older): the whole row's text form, hashed (the slower original).
 */
export type RowHashMethod = "typed" | "text";

export const rowHashMethod = (sourceVersionNum: number, targetVersionNum: number): RowHashMethod =>
  sourceVersionNum >= 140000 && targetVersionNum >= 140000 ? "typed" : "text";

/**
 * Built-in types (by OID, fixed in every release) hashed without a text form.
 *
 * Why this is safe between a PostgreSQL 15 source and a 17 target: these are the extended
 * hash support functions of the types' default hash operator classes, the functions hash
 * partitioning routes rows by; pg_upgrade carries hash-partitioned tables over as they are,
 * so a row must hash the same on the new major (PostgreSQL's commit 012ffb3, "Fix pg_dump
 * for hash partitioning on enum columns", relies on exactly this, and names the exception:
 * enum hashes come from OIDs, which differ between databases). Each type below hashes its
 * exact binary value, so two values hash alike only when they are the same value:
 * text is hashed under the "C" collation (bytes; a nondeterministic collation would make
 * 'a' and 'A' alike), booleans as integers.
 *
 * Not here: 64-bit values. PostgreSQL's hash of an int8 (and of timestamp, time and
 * interval, which hash as int8) folds the two 32-bit halves together (so that an int4 and an
 * int8 of one value hash alike): 1 and 4294967296 hash the same, and so do two timestamps
 * 2^32+1 microseconds apart with the right bits. See INT8 and TIMESTAMPS.
 *
 * Left to the text form on purpose: numeric (its hash normalises 1.0 and 1.00), interval
 * ('1 day' and '24 hours' hash alike), time (folded as above), jsonb (its numbers are
 * normalised likewise), json and xml (no hash), enums (OIDs), arrays (the hash ignores
 * dimensions), character(n) (the hash ignores trailing blanks), citext (case-insensitive
 * hash) and every other type, domains over those included. Floating-point values are hashed
 * by their binary form (float8send), which tells -0 from 0, as the text-form checksum always did.
 */
const DIRECT: ReadonlyMap<number, { fn: string; as: string }> = new Map([
  [16, { fn: "hashint4extended", as: "int4" }], // boolean, as 0/1
  [21, { fn: "hashint2extended", as: "int2" }],
  [23, { fn: "hashint4extended", as: "int4" }],
  [26, { fn: "hashoidextended", as: "oid" }],
  [25, { fn: "hashtextextended", as: "text" }],
  [1043, { fn: "hashtextextended", as: "text" }], // varchar, hashed as its text
  [2950, { fn: "uuid_hash_extended", as: "uuid" }],
]);

/**
 * bigint goes in as the seed of an int4 hash (the column's position as the value): a seed is
 * mixed in whole, all 64 bits, where hashint8extended would fold it to 33.
 */
const INT8 = 20;

/** Built-in types whose hash function takes no SQL argument of their type: hashed inside a record. */
const IN_RECORD: ReadonlyMap<number, string> = new Map([
  [17, "bytea"],
  [18, '"char"'],
  [1266, "timetz"], // its time hashed as 8 bytes, not folded
]);

/**
 * Dates hash as their distance from 1970 (a date minus a date is its day count): the same
 * integer their own hash takes, at a third of the record's cost. ±infinity (which PostgreSQL
 * 15 refuses to subtract) hash as 1 and 2; NULL stays NULL.
 */
const BY_DISTANCE: ReadonlyMap<number, { as: string; epoch: string; fn: string }> = new Map([
  [1082, { as: "date", epoch: "'1970-01-01'::pg_catalog.date", fn: "hashint4extended" }],
]);

function byDistance(col: string, d: { as: string; epoch: string; fn: string }, seed: number): string {
  const v = `(${col})::pg_catalog.${d.as}`;
  const sign = `CASE WHEN ${v} > ${d.epoch} THEN 1 WHEN ${v} < ${d.epoch} THEN 2 END`;
  return `CASE WHEN pg_catalog.isfinite(${v}) THEN pg_catalog.${d.fn}(${v} - ${d.epoch}, ${seed}) ELSE pg_catalog.hashint4extended(${sign}, ${seed}) END`;
}

/**
 * Timestamps (with and without time zone) between 1864 and 2136 hash as their distance from
 * 2000-01-01 in seconds, a float8: the range types' subtype_diff, `((float8) v1 - (float8) v2)
 * / USECS_PER_SEC` (rangetypes.c), on PostgreSQL's own microsecond count (v2 is 0). Exact
 * there: the count converts to a double without loss (below 2^53), and in that range (under
 * 2^32 seconds from 2000) two doubles are less than a microsecond apart, so two timestamps a
 * microsecond or more apart never round to the same seconds. Outside that range (and
 * ±infinity) they hash by their text form (the stable text settings: UTC, ISO), exact at any
 * date. Not the type's own hash, which folds the 64-bit count's halves together (see INT8).
 * Two comparisons, the difference and one hash: a third of the cost of the folded hash and
 * the interval arithmetic it replaced. (Held by a test: every microsecond of the range's
 * first and last second gives its own float.)
 */
export const FLOAT_SECONDS_RANGE = { from: "1864-01-01 00:00:00", to: "2136-01-01 00:00:00" } as const;
const TIMESTAMPS: ReadonlyMap<number, { as: string; diff: string; zero: string; from: string; to: string }> = new Map([
  [1114, { as: "timestamp", diff: "tsrange_subdiff", zero: "'2000-01-01 00:00:00'", from: `'${FLOAT_SECONDS_RANGE.from}'`, to: `'${FLOAT_SECONDS_RANGE.to}'` }],
  [1184, { as: "timestamptz", diff: "tstzrange_subdiff", zero: "'2000-01-01 00:00:00+00'", from: `'${FLOAT_SECONDS_RANGE.from}+00'`, to: `'${FLOAT_SECONDS_RANGE.to}+00'` }],
]);

function timestampHash(col: string, t: { as: string; diff: string; zero: string; from: string; to: string }, seed: number): string {
  const v = `(${col})::pg_catalog.${t.as}`;
  const as = (literal: string) => `${literal}::pg_catalog.${t.as}`;
  return `CASE WHEN ${v} >= ${as(t.from)} AND ${v} < ${as(t.to)} THEN pg_catalog.hashfloat8extended(pg_catalog.${t.diff}(${v}, ${as(t.zero)}), ${seed}) ELSE pg_catalog.hashtextextended((${v})::pg_catalog.text, ${seed}) END`;
}

const FLOAT_SEND: ReadonlyMap<number, string> = new Map([
  [700, "float4send"],
  [701, "float8send"],
]);

/** A constant standing for NULL in column `i`'s slot (a 64-bit value no hash is likely to take). */
function nullStandIn(i: number): string {
  return `'${BigInt.asIntN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n)}'::pg_catalog.int8`;
}

/**
 * The expression giving one row's 64-bit hash, over `columns` taken in name order (a
 * different column order on the target is no difference). `sameType` says which columns have
 * the same type on both sides: only those take a typed hash (int4 on one side and int8 on the
 * other compare by their text forms, as before).
 *
 * Typed: each column's hash, seeded by its position, XORed together, and the result hashed
 * once more (as a seed, so all 64 bits count). The last step matters: a sum of XORs (or of
 * hash_record_extended's linear combination) over rows would not see two rows swapping one
 * column's values. When a column of a directly hashed type (or bigint) is NOT NULL on both
 * sides (`notNull` as the caller gives it; a primary key usually), that last hash is its own, seeded by the others'
 * XOR: one hash and one XOR fewer per row (~7 % of the digest on PostgreSQL 17 without JIT),
 * the same mixing, and no NULL to stand in for (a strict hash of a NULL would drop the row).
 */
export function rowHashExpr(columns: readonly TableColumn[], method: RowHashMethod, sameType: (name: string) => boolean): string {
  const sorted = [...columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (method === "text") {
    // ROW(x) of a single column still prints as a composite "(…)"; an empty column list is ROW().
    const cols = sorted.map((c) => {
      const col = quoteIdent(c.name);
      if (c.type === "double precision") return `float8send(${col})`;
      if (c.type === "real") return `float4send(${col})`;
      return col;
    });
    return `hashtextextended(ROW(${cols.join(", ")})::text, 0)`;
  }
  const parts: string[] = [];
  const inRecord: string[] = [];
  const asText: string[] = [];
  const typedOid = (c: TableColumn): number | null => (sameType(c.name) ? (c.hashOid ?? null) : null);
  const lastIndex = sorted.findIndex((c) => {
    const oid = typedOid(c);
    return oid !== null && (oid === INT8 || DIRECT.has(oid)) && c.notNull === true;
  });
  sorted.forEach((c, i) => {
    if (i === lastIndex) return;
    const col = quoteIdent(c.name);
    const oid = typedOid(c);
    const direct = oid === null ? undefined : DIRECT.get(oid);
    const recordType = oid === null ? undefined : IN_RECORD.get(oid);
    const send = oid === null ? undefined : FLOAT_SEND.get(oid);
    const distance = oid === null ? undefined : BY_DISTANCE.get(oid);
    const timestamp = oid === null ? undefined : TIMESTAMPS.get(oid);
    if (direct) {
      parts.push(`coalesce(pg_catalog.${directHash(direct, col, String(i + 1))}, ${nullStandIn(i)})`);
    } else if (oid === INT8) {
      parts.push(`coalesce(pg_catalog.hashint4extended(${i + 1}, (${col})::pg_catalog.int8), ${nullStandIn(i)})`);
    } else if (timestamp) {
      parts.push(`coalesce(${timestampHash(col, timestamp, i + 1)}, ${nullStandIn(i)})`);
    } else if (distance) {
      parts.push(`coalesce(${byDistance(col, distance, i + 1)}, ${nullStandIn(i)})`);
    } else if (recordType) inRecord.push(`(${col})::pg_catalog.${recordType}`);
    else if (send) inRecord.push(`pg_catalog.${send}(${col})`);
    else asText.push(col);
  });
  // A record's hash gives NULL members a fixed slot of their own; it is never NULL itself.
  if (inRecord.length) parts.push(`pg_catalog.hash_record_extended(ROW(${inRecord.join(", ")}), -1)`);
  if (asText.length) parts.push(`pg_catalog.hashtextextended(ROW(${asText.join(", ")})::text, -2)`);
  // The combination goes in as a seed too: all 64 bits mixed (hashint8extended would fold them).
  const others = parts.length ? parts.join(" # ") : "0";
  const last = sorted[lastIndex];
  if (!last) return `pg_catalog.hashint4extended(0, ${others})`;
  const col = quoteIdent(last.name);
  if (typedOid(last) === INT8) return `pg_catalog.hashint4extended(${lastIndex + 1}, (${col})::pg_catalog.int8 # (${others}))`;
  return `pg_catalog.${directHash(DIRECT.get(typedOid(last)!)!, col, others)}`;
}

/** A directly hashed column's hash call with `seed` (an SQL expression). */
function directHash(direct: { fn: string; as: string }, col: string, seed: string): string {
  const arg = direct.as === "text" ? `(${col})::pg_catalog.text COLLATE pg_catalog."C"` : `(${col})::pg_catalog.${direct.as}`;
  return `${direct.fn}(${arg}, ${seed})`;
}
