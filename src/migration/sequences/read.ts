import type { PgClient } from "../../adapters/postgres/connect.js";
import { quoteLiteral } from "../../plan/sql-text.js";
import { doReturningJson, storeResult } from "./do-block.js";
import type { SequenceInfo } from "./types.js";

/** What the read returns per sequence (bigints as text, so no precision is lost). */
interface SequenceJson {
  s: string;
  n: string;
  i: string;
  mn: string;
  mx: string;
  y: boolean;
  l: string;
  c: boolean;
}

/** An SQL array literal of `values` as text[]. */
export const textArray = (values: readonly string[]): string => `ARRAY[${values.map(quoteLiteral).join(", ")}]::text[]`;

/**
 * Every sequence in `schemas` with its definition and exact state, in one round trip.
 * last_value already covers every value sessions hold in their CACHE (a session takes a whole
 * block and writes its end), so copying it never hands out a cached value twice.
 * pg_sequence_last_value gives last_value when the sequence has been called; for the others
 * (NULL there: fresh, or `setval(…, false)`, or `ALTER SEQUENCE … RESTART`) the sequence's own
 * row is read, inside the same DO block, so such a position is not lost. A DO block rather
 * than query_to_xml: the XML round trip cost more than the row read itself.
 */
export async function readSequences(client: PgClient, schemas: readonly string[]): Promise<SequenceInfo[]> {
  if (schemas.length === 0) return [];
  const rows = await doReturningJson<SequenceJson[] | null>(
    client,
    "sequences",
    `DECLARE r record; lv bigint; ic boolean; out jsonb[] := '{}';
     BEGIN
       FOR r IN SELECT c.oid, n.nspname, c.relname, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, pg_sequence_last_value(c.oid) AS v
                  FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_sequence s ON s.seqrelid = c.oid
                 WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND n.nspname = ANY(${textArray(schemas)})
                 ORDER BY n.nspname, c.relname LOOP
         IF r.v IS NOT NULL THEN lv := r.v; ic := true;
         ELSE EXECUTE format('SELECT last_value, is_called FROM %s', r.oid::regclass) INTO lv, ic;
         END IF;
         out := array_append(out, jsonb_build_object('s', r.nspname, 'n', r.relname, 'i', r.seqincrement::text, 'mn', r.seqmin::text,
                 'mx', r.seqmax::text, 'y', r.seqcycle, 'l', lv::text, 'c', ic));
       END LOOP;
       ${storeResult("sequences", "array_to_json(out)")}
     END`,
  );
  return (rows ?? []).map((r) => ({
    schema: r.s,
    name: r.n,
    increment: BigInt(r.i),
    min: BigInt(r.mn),
    max: BigInt(r.mx),
    cycle: r.y,
    state: { lastValue: BigInt(r.l), isCalled: r.c },
  }));
}
