/**
 * The target's side of a sequence sync as one PL/pgSQL `DO` block (run by doReturningJson):
 * given every source sequence's position, it reads each target sequence's definition and
 * state, the extreme value of the columns it feeds, decides, and sets the ones that must
 * move — "never backwards" and "never behind the column it feeds" decided on the server,
 * against the state read in the same statement, microseconds before the setval.
 *
 * Why a DO block (measured at 5,000 sequences on PostgreSQL 17, each fed by one indexed
 * column): the column maxima need one query per column, named at run time, which plain SQL
 * cannot build. The choices were
 * - one statement of many `SELECT max(…)` (the old way): ~1.0 s, the parse/plan/round-trip
 *   overhead per statement;
 * - one `SELECT … FROM (VALUES (…, (SELECT max(…) FROM t1)), …)` built with the known
 *   columns: fails with "no unpinned buffers available" at a default-sized shared_buffers
 *   (each index scan keeps its page pinned until the statement ends), and is slower to plan;
 * - a temporary function in pg_temp: the same cost as a DO block, but needs the TEMP privilege
 *   and writes to the catalog;
 * - this DO block: one dynamic `SELECT col … ORDER BY col DESC LIMIT 1` per column (cheaper to
 *   plan than max(), the same index scan), each closed before the next; ~70 µs a column, about
 *   what opening a table and its index costs a fresh session anyway.
 * The uncalled sequences' rows are read the same way (EXECUTE), not through query_to_xml.
 *
 * The rules are planSequenceSync's (src/sequences/plan.ts), line for line; apply.ts runs
 * planSequenceSync on the facts this block returns and refuses to report a sync whose
 * decisions differ. Arithmetic is in numeric: last_value + increment may not fit a bigint.
 *
 * Input, per source sequence, in order (JS side: ApplyInput), passed as one typed array
 * literal per field and read with unnest … WITH ORDINALITY:
 *   { s, n: schema and name; l: last_value (text); c: is_called; y: CYCLE on the source;
 *     x?: the column extreme already known (text or null; absent: read it here) }
 * Output, column-wise (ApplyColumns): one array per field, one element per input sequence in
 * its order: a (action) always; when the target has the sequence, tl, tc: its state before;
 * i, mn, mx, y: its definition; x: column extreme; f: columns; tol, toc: the position decided
 * (set, or needed for out-of-range); null where the target lacks it. Arrays of scalars
 * appended in PL/pgSQL and turned into JSON once at the end cost less than one jsonb object
 * per sequence (measured: ~45 ms of server CPU at 5,000 sequences for the objects).
 */
import { quoteLiteral } from "../../plan/sql-text.js";
import { storeResult } from "./do-block.js";

export interface ApplyInput {
  s: string;
  n: string;
  l: string;
  c: boolean;
  y: boolean;
  x?: string | null;
}

/** The statement's result, one array per field, element k for input k (see the header). */
export interface ApplyColumns {
  a: ("set" | "unchanged" | "missing-on-target" | "out-of-range")[];
  tl: (string | null)[];
  tc: (boolean | null)[];
  i: (string | null)[];
  mn: (string | null)[];
  mx: (string | null)[];
  y: (boolean | null)[];
  x: (string | null)[];
  f: (string[] | null)[];
  tol: (string | null)[];
  toc: (boolean | null)[];
}

/**
 * An SQL array literal of `values` (text; null as NULL) cast to `type`[], one string to parse.
 * Built with native joins when no value is null or holds a character the literal escapes (the
 * usual case): this runs once per process over thousands of values, before the JIT has warmed up.
 */
export function arrayLiteral(values: readonly (string | boolean | null)[], type: "text" | "numeric" | "boolean"): string {
  if (values.length === 0) return `'{}'::${type}[]`; // `{""}` would be one empty string
  const plain = !values.includes(null) && !/[\\"]/.test(values.join(""));
  const body = plain ? `"${values.join('","')}"` : values.map((v) => (v === null ? "NULL" : `"${String(v).replace(/[\\"]/g, "\\$&")}"`)).join(",");
  return `${quoteLiteral(`{${body}}`)}::${type}[]`;
}

export const APPLY_RESULT = "sequence_sync";

export function applyBlock(input: readonly ApplyInput[], dryRun: boolean): string {
  return `DECLARE
  r record; k integer; v numeric; x numeric; tl numeric; tc boolean; tnext numeric; best numeric; colnext numeric;
  sl numeric; sc boolean; tol numeric; toc boolean; act text;
  oa text[] := '{}'; otl text[] := '{}'; otc boolean[] := '{}'; oi text[] := '{}'; omn text[] := '{}'; omx text[] := '{}'; oy boolean[] := '{}';
  ox text[] := '{}'; of json[] := '{}'; otol text[] := '{}'; otoc boolean[] := '{}';
  nestloop text := current_setting('enable_nestloop');
BEGIN
  -- Set-based, hash joins only: right after a schema load the catalogs' statistics are
  -- stale (never analyzed), and nested loops planned on them went quadratic (10 s to a
  -- minute at 5,000 sequences); each catalog read once is linear whatever the statistics.
  -- Only this query is planned under the setting (the cursor is planned when opened).
  PERFORM set_config('enable_nestloop', 'off', true);
  FOR r IN
    WITH i AS MATERIALIZED (
      SELECT * FROM unnest(${arrayLiteral(input.map((e) => e.s), "text")}, ${arrayLiteral(input.map((e) => e.n), "text")},
                           ${arrayLiteral(input.map((e) => e.l), "numeric")}, ${arrayLiteral(input.map((e) => e.c), "boolean")},
                           ${arrayLiteral(input.map((e) => e.y), "boolean")}, ${arrayLiteral(input.map((e) => "x" in e), "boolean")},
                           ${arrayLiteral(input.map((e) => e.x ?? null), "numeric")}) WITH ORDINALITY AS u(s, n, l, c, y, hx, x, ord)),
    seq AS MATERIALIZED (
      SELECT c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) AS q, s.seqincrement::numeric AS inc, s.seqmin::numeric AS mn, s.seqmax::numeric AS mx, s.seqcycle AS cyc
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
       WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND (n.nspname, c.relname) IN (SELECT s, n FROM i)),
    -- The integer columns each sequence feeds: owned (serial: deptype 'a'; identity: 'i'), or
    -- named in a column's DEFAULT nextval(…); a partition's column is covered by its parent's.
    feed AS (
      SELECT f.seq, format('%I.%I', tn.nspname, t.relname) AS tbl, a.attname AS col, format('%I.%I.%I', tn.nspname, t.relname, a.attname) AS label, tn.nspname AS ts, t.relname AS tr
        FROM (SELECT d.objid AS seq, d.refobjid AS tbl, d.refobjsubid AS col
                FROM pg_depend d JOIN seq ON seq.oid = d.objid
               WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
              UNION
              SELECT d.refobjid, ad.adrelid, ad.adnum
                FROM pg_depend d JOIN seq ON seq.oid = d.refobjid JOIN pg_attrdef ad ON ad.oid = d.objid
               WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass) AS f
        JOIN pg_class t ON t.oid = f.tbl AND t.relkind IN ('r', 'p') AND NOT t.relispartition
        JOIN pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_attribute a ON a.attrelid = f.tbl AND a.attnum = f.col AND NOT a.attisdropped
       WHERE a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)),
    fa AS (
      SELECT feed.seq, array_agg(feed.tbl ORDER BY feed.ts, feed.tr, feed.col) AS tbls, array_agg(feed.col ORDER BY feed.ts, feed.tr, feed.col) AS cols,
             array_agg(feed.label ORDER BY feed.ts, feed.tr, feed.col) AS labels
        FROM feed GROUP BY feed.seq)
    SELECT i.ord, i.l AS sl, i.c AS sc, i.y AS sy, i.hx, i.x AS kx, seq.oid, seq.q, seq.inc, seq.mn, seq.mx, seq.cyc, pg_sequence_last_value(seq.oid) AS lv, fa.tbls, fa.cols, fa.labels
      FROM i
      LEFT JOIN seq ON seq.nspname = i.s AND seq.relname = i.n
      LEFT JOIN fa ON fa.seq = seq.oid
     ORDER BY i.ord
  LOOP
    IF r.ord = 1 THEN PERFORM set_config('enable_nestloop', nestloop, true); END IF;
    IF r.oid IS NULL THEN
      oa := array_append(oa, 'missing-on-target'); otl := array_append(otl, NULL); otc := array_append(otc, NULL); oi := array_append(oi, NULL);
      omn := array_append(omn, NULL); omx := array_append(omx, NULL); oy := array_append(oy, NULL); ox := array_append(ox, NULL);
      of := array_append(of, NULL); otol := array_append(otol, NULL); otoc := array_append(otoc, NULL);
      CONTINUE;
    END IF;
    IF r.lv IS NOT NULL THEN tl := r.lv; tc := true;
    ELSE EXECUTE format('SELECT last_value, is_called FROM %s', r.q) INTO tl, tc;
    END IF;
    -- The columns' extreme within the sequence's bounds (it can never hand out the others);
    -- not read for a sequence that cycles (its position is copied exactly).
    x := NULL;
    IF r.cyc THEN NULL;
    ELSIF r.hx THEN x := r.kx;
    ELSE
      FOR k IN 1 .. coalesce(array_length(r.cols, 1), 0) LOOP
        EXECUTE format('SELECT trunc(%1$I::numeric) FROM %2$s WHERE %1$I BETWEEN %3$L::bigint AND %4$L::bigint ORDER BY %1$I %5$s LIMIT 1',
                       r.cols[k], r.tbls[k], r.mn, r.mx, CASE WHEN r.inc < 0 THEN 'ASC' ELSE 'DESC' END) INTO v;
        IF v IS NOT NULL AND (x IS NULL OR (r.inc < 0 AND v < x) OR (r.inc > 0 AND v > x)) THEN x := v; END IF;
      END LOOP;
    END IF;
    -- planSequenceSync: furthest of the source's, the target's own and the column's, in the
    -- sequence's direction; a CYCLE sequence takes the source's exact state.
    sl := r.sl; sc := r.sc; tol := sl; toc := sc; act := NULL;
    tnext := CASE WHEN tc THEN tl + r.inc ELSE tl END;
    IF NOT r.sy THEN
      best := CASE WHEN sc THEN sl + r.inc ELSE sl END;
      colnext := x + r.inc;
      IF colnext IS NOT NULL AND ((r.inc < 0 AND colnext < best) OR (r.inc > 0 AND colnext > best)) THEN
        best := colnext; tol := x; toc := true;
      END IF;
      IF NOT ((r.inc < 0 AND best < tnext) OR (r.inc > 0 AND best > tnext)) THEN act := 'unchanged'; END IF;
    ELSIF sl = tl AND sc = tc THEN act := 'unchanged';
    END IF;
    IF act IS NULL THEN
      IF tol < r.mn OR tol > r.mx THEN act := 'out-of-range';
      ELSE
        act := 'set';
        ${dryRun ? "" : "PERFORM pg_catalog.setval(r.oid, tol::bigint, toc);"}
      END IF;
    END IF;
    oa := array_append(oa, act); otl := array_append(otl, tl::text); otc := array_append(otc, tc); oi := array_append(oi, r.inc::text);
    omn := array_append(omn, r.mn::text); omx := array_append(omx, r.mx::text); oy := array_append(oy, r.cyc); ox := array_append(ox, x::text);
    of := array_append(of, to_json(coalesce(r.labels, '{}'))); otol := array_append(otol, tol::text); otoc := array_append(otoc, toc);
  END LOOP;
  ${storeResult(APPLY_RESULT, "json_build_object('a', oa, 'tl', otl, 'tc', otc, 'i', oi, 'mn', omn, 'mx', omx, 'y', oy, 'x', ox, 'f', of, 'tol', otol, 'toc', otoc)")}
END`;
}
