import type { QueryResult } from "pg";
import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../adapters/postgres/sql.js";
import type { SequenceInfo, TargetSequenceInfo } from "./types.js";

interface SequenceRow {
  schema: string;
  name: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  last_value: string;
  is_called: string;
}

/**
 * Every sequence in `schemas` with its definition and exact state, in one round trip.
 * last_value already covers every value sessions hold in their CACHE (a session takes a whole
 * block and writes its end), so copying it never hands out a cached value twice. pg_sequence_last_value
 * gives last_value when the sequence has been called; for the others (NULL there) the
 * sequence relation itself is read through query_to_xml, inside the same statement, so a
 * `setval(…, false)` position is not lost.
 */
export async function readSequences(client: PgClient, schemas: readonly string[]): Promise<SequenceInfo[]> {
  const { rows } = await client.query<SequenceRow>(
    `SELECT n.nspname AS schema, c.relname AS name, s.seqincrement::text AS increment,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcycle AS cycle,
            coalesce(lv.v::text, (xpath('/row/last_value/text()', x.x))[1]::text) AS last_value,
            CASE WHEN lv.v IS NOT NULL THEN 'true' ELSE (xpath('/row/is_called/text()', x.x))[1]::text END AS is_called
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_sequence s ON s.seqrelid = c.oid
      CROSS JOIN LATERAL (SELECT pg_sequence_last_value(c.oid) AS v) AS lv
      CROSS JOIN LATERAL (SELECT CASE WHEN lv.v IS NULL THEN query_to_xml(format('SELECT last_value, is_called FROM %I.%I', n.nspname, c.relname), false, true, '') END AS x) AS x
      WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND n.nspname = ANY($1::text[])
      ORDER BY 1, 2`,
    [schemas],
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    increment: BigInt(r.increment),
    min: BigInt(r.min),
    max: BigInt(r.max),
    cycle: r.cycle,
    state: { lastValue: BigInt(r.last_value), isCalled: r.is_called === "true" },
  }));
}

interface FeedRow {
  seq_schema: string;
  seq_name: string;
  tbl_schema: string;
  tbl_name: string;
  column: string;
}

/**
 * The integer columns each sequence feeds: owned by a column (serial: deptype 'a'; identity:
 * 'i'), or named in any column's `DEFAULT nextval(…)` (a shared id sequence no column owns).
 */
async function readFeeds(client: PgClient, schemas: readonly string[]): Promise<FeedRow[]> {
  // Written to start from sequences and attribute defaults and reach pg_depend through its
  // depender index: a pg_depend-first plan is quadratic on a large catalog.
  const { rows } = await client.query<FeedRow>(
    `SELECT sn.nspname AS seq_schema, s.relname AS seq_name, tn.nspname AS tbl_schema, t.relname AS tbl_name, a.attname AS column
       FROM (
         SELECT d.objid AS seq, d.refobjid AS tbl, d.refobjsubid AS col
           FROM pg_class s0 JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s0.oid
          WHERE s0.relkind = 'S' AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
         UNION
         SELECT d.refobjid, ad.adrelid, ad.adnum
           FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
          WHERE d.refclassid = 'pg_class'::regclass
       ) AS f
       JOIN pg_class s ON s.oid = f.seq AND s.relkind = 'S'
       JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_class t ON t.oid = f.tbl AND t.relkind IN ('r', 'p')
       JOIN pg_namespace tn ON tn.oid = t.relnamespace
       JOIN pg_attribute a ON a.attrelid = f.tbl AND a.attnum = f.col AND NOT a.attisdropped
      WHERE sn.nspname = ANY($1::text[])
        AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)
        -- a partition's column is covered by its parent's max()
        AND NOT t.relispartition
      ORDER BY 1, 2, 3, 4, 5`,
    [schemas],
  );
  return rows;
}

/**
 * The target's sequences, each with the extreme value of the columns it feeds (max, or min
 * when it counts down) among the values within the sequence's bounds: a value it can never
 * hand out cannot collide, and setval would refuse it. Not read for a CYCLE sequence (its
 * position is copied exactly). Two round trips: the catalog, then one statement with a max()
 * per column (the bounds as bigint literals keep the column's index usable, whatever its type).
 */
export async function readTargetSequences(client: PgClient, schemas: readonly string[]): Promise<TargetSequenceInfo[]> {
  const sequences = await readSequences(client, schemas);
  const feeds = await readFeeds(client, schemas);
  const byKey = new Map<string, TargetSequenceInfo>(sequences.map((s) => [`${s.schema}.${s.name}`, { ...s, feeds: [] }]));
  const probes: { seq: TargetSequenceInfo; sql: string }[] = [];
  for (const f of feeds) {
    const seq = byKey.get(`${f.seq_schema}.${f.seq_name}`);
    if (!seq) continue;
    seq.feeds.push(`${qualified(f.tbl_schema, f.tbl_name)}.${quoteIdent(f.column)}`);
    if (seq.cycle) continue;
    const agg = seq.increment < 0n ? "min" : "max";
    const col = quoteIdent(f.column);
    const inBounds = `${col} BETWEEN '${seq.min}'::bigint AND '${seq.max}'::bigint`;
    probes.push({ seq, sql: `SELECT ${probes.length} AS i, (SELECT ${agg}(${col}) FROM ${qualified(f.tbl_schema, f.tbl_name)} WHERE ${inBounds})::text AS v` });
  }
  if (probes.length > 0) {
    // One round trip of many small statements (the simple protocol runs them in turn): a
    // single UNION ALL would keep every index scan's buffers pinned until it ends, and
    // thousands of them exhaust a small shared_buffers.
    const text = probes.map((p) => p.sql).join(";\n");
    const res = (await client.query(text)) as unknown as QueryResult<{ i: number; v: string | null }> | QueryResult<{ i: number; v: string | null }>[];
    for (const row of (Array.isArray(res) ? res : [res]).flatMap((r) => r.rows)) {
      if (row.v === null) continue;
      const seq = probes[row.i]!.seq;
      // numeric columns may hold fractions; the sequence must clear the integer above them.
      const value = BigInt(row.v.replace(/\..*$/, ""));
      const better = seq.increment < 0n ? (a: bigint, b: bigint) => a < b : (a: bigint, b: bigint) => a > b;
      if (seq.columnExtreme === undefined || better(value, seq.columnExtreme)) seq.columnExtreme = value;
    }
  }
  return [...byKey.values()];
}
