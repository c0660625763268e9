/**
 * `aurora-migrate sync-sequences` (the built CLI, a fresh process each run) over 5,000
 * sequences, against three references on the same servers in the same run, interleaved:
 * - the floor: two statements, one read on the source (every sequence's position, through
 *   `psql -Atq`) and one `setval` statement on the target (every position at once, through
 *   `psql`): what any tool must at least do, with no rule checked;
 * - the floor + column probes: the same two statements, plus, on 2 target sessions at once,
 *   one read of the max of every column a sequence owns (as sync-sequences reads it): the
 *   least a tool pays to check "never below the column it feeds" (the floor checks no rule);
 * - the usual hand procedure, setval to max(id) per owned column (its generator query through
 *   `psql -Atq`, then the generated file through `psql`).
 * Goal (issue 16): sync-sequences ≤ 1.3x the floor.
 *
 * Where sync-sequences' time goes (5,000 sequences, the target's all uncalled, PostgreSQL 15 → 17,
 * server CPU per statement measured from /proc/<backend>/schedstat): each target session's
 * statement is at par with reference (b)'s busier session (~300 ms for its half: ~180 ms the
 * column reads, the same form as (b)'s; ~35 ms pg_sequence_last_value, ~45 ms the uncalled
 * sequences' own rows, ~50 ms catalog joins vs ~25 ms in (b)'s simpler query; (b)'s session 0
 * adds the floor's setval statement, ~120 ms). The rest of the gap is the client: node and its
 * modules (~100 ms before the first connect vs a few ms for psql), the `sslmode=prefer`
 * fallback's second connection, the source read as a DO block (~65 ms vs ~60 ms), and JSON,
 * BigInt and the plan's re-check in JS (~30 ms).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchModule } from "./run.js";
import { fmt, median, seconds, startPair } from "./support.js";

const run = promisify(execFile);
const SEQUENCES = 5000;
const ROUNDS = 5;

// The floor's read: every sequence's position (pg_sequences' last_value is NULL until called).
const FLOOR_READ = `SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), coalesce(last_value, start_value), last_value IS NOT NULL FROM pg_sequences`;
// The floor's write: one setval statement for them all, the read's rows inlined as one array literal.
const floorWrite = (tsv: string): string => {
  const rows = tsv.trim().split("\n").map((l) => l.split("|"));
  const arr = (i: number) => `'{${rows.map((r) => `"${r[i]!.replace(/"/g, '\\"')}"`).join(",").replace(/'/g, "''")}}'`;
  return `SELECT count(setval(u.s::regclass, u.v, u.c)) FROM unnest(${arr(0)}::text[], ${arr(1)}::bigint[], ${arr(2)}::bool[]) AS u(s, v, c)`;
};

// The column rule's own cost, for a second reference: every column a sequence owns, its max
// read the way the tool's statement reads it (one dynamic ORDER BY … DESC LIMIT 1 per column),
// the columns split in `parts` shares by the sequence's oid; `part` is this session's share.
const probes = (part: number, parts: number): string => `DO $$ DECLARE r record; v numeric; BEGIN
  PERFORM set_config('enable_nestloop', 'off', true); -- the catalogs' statistics are stale after the load (see apply-sql.ts)
  FOR r IN SELECT format('%I.%I', tn.nspname, t.relname) AS tbl, a.attname AS col
             FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
             JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.objid::bigint % ${parts} = ${part} LOOP
    EXECUTE format('SELECT trunc(%1$I::numeric) FROM %2$s WHERE %1$I BETWEEN 1::bigint AND 9223372036854775807::bigint ORDER BY %1$I DESC LIMIT 1', r.col, r.tbl) INTO v;
  END LOOP; END $$;`;

// The hand procedure's generator: one setval(max(id)) statement per column-owned sequence.
const RESET_SEQ_SQL = `SELECT 'SELECT SETVAL(' ||
quote_literal(quote_ident(PGT.schemaname) || '.' || quote_ident(S.relname)) ||
', COALESCE(MAX(' ||quote_ident(C.attname)|| '), 1) ) FROM ' ||
quote_ident(PGT.schemaname)|| '.'||quote_ident(T.relname)|| ';'
FROM pg_class AS S,
pg_depend AS D,
pg_class AS T,
pg_attribute AS C,
pg_tables AS PGT
WHERE S.relkind = 'S'
AND S.oid = D.objid
AND D.refobjid = T.oid
AND D.refobjid = C.attrelid
AND D.refobjsubid = C.attnum
AND T.relname = PGT.tablename
ORDER BY S.relname;
`;

// Tables t_1 … t_N with a serial id and (i % 7) rows each, the same ids on both sides.
const DDL = `DO $$ BEGIN FOR i IN 1..${SEQUENCES} LOOP
  EXECUTE format('CREATE TABLE public.t_%s (id serial PRIMARY KEY, v int)', i);
END LOOP; END $$;`;
const DATA = (setSequences: boolean) => `DO $$ BEGIN FOR i IN 1..${SEQUENCES} LOOP
  EXECUTE format('INSERT INTO public.t_%s (id, v) SELECT g, g FROM generate_series(1, %s) g', i, i % 7);
  ${setSequences ? "EXECUTE format('SELECT setval(''public.t_%s_id_seq'', %s)', i, i % 7 + 3);" : ""}
END LOOP; END $$;`;
const RESET_TARGET = "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace";

const bench: BenchModule = {
  title: `sync-sequences (built CLI) vs the two-statement floor, the floor + column probes, and the hand procedure (generator + psql), ${SEQUENCES} sequences`,
  async run() {
    const pair = await startPair({ max_locks_per_transaction: 256 });
    const dir = mkdtempSync(join(tmpdir(), "aurora-migrate-bench-seq-"));
    try {
      const src = await pair.source.createDatabase("app");
      const tgt = await pair.target.createDatabase("app");
      await Promise.all([pair.source.sql(DDL, "app"), pair.target.sql(DDL, "app")]);
      await Promise.all([pair.source.sql(DATA(true), "app"), pair.target.sql(DATA(false), "app")]);
      writeFileSync(join(dir, "reset-seq.sql"), RESET_SEQ_SQL);
      const psql = join(pair.source.binDir, "psql");
      const cli = join(process.cwd(), "bin", "aurora-migrate.js");
      const hand: number[] = [];
      const ours: number[] = [];
      const floor: number[] = [];
      const probed: number[] = [];
      writeFileSync(join(dir, "probes-0.sql"), probes(0, 2));
      writeFileSync(join(dir, "probes-1.sql"), probes(1, 2));
      for (let r = 0; r < ROUNDS; r += 1) {
        await pair.target.sql(RESET_TARGET, "app");
        floor.push(
          await seconds(async () => {
            const { stdout } = await run(psql, ["-X", "-Atq", "-c", FLOOR_READ, "-d", src], { maxBuffer: 64 * 1024 * 1024 });
            writeFileSync(join(dir, "floor.sql"), floorWrite(stdout));
            await run(psql, ["-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-f", join(dir, "floor.sql"), "-d", tgt]);
          }),
        );
        await pair.target.sql(RESET_TARGET, "app");
        probed.push(
          await seconds(async () => {
            const { stdout } = await run(psql, ["-X", "-Atq", "-c", FLOOR_READ, "-d", src], { maxBuffer: 64 * 1024 * 1024 });
            writeFileSync(join(dir, "floor.sql"), floorWrite(stdout));
            const onTarget = (files: string[]) => run(psql, ["-X", "-Atq", "-v", "ON_ERROR_STOP=1", ...files.flatMap((f) => ["-f", join(dir, f)]), "-d", tgt]);
            await Promise.all([onTarget(["probes-0.sql", "floor.sql"]), onTarget(["probes-1.sql"])]);
          }),
        );
        await pair.target.sql(RESET_TARGET, "app");
        hand.push(
          await seconds(async () => {
            await run(psql, ["-X", "-Atq", "-f", join(dir, "reset-seq.sql"), "-o", join(dir, "temp.sql"), "-d", tgt]);
            await run(psql, ["-X", "-q", "-f", join(dir, "temp.sql"), "-d", tgt], { maxBuffer: 64 * 1024 * 1024 });
          }),
        );
        await pair.target.sql(RESET_TARGET, "app");
        ours.push(await seconds(() => run(process.execPath, [cli, "sync-sequences", "--source", src, "--target", tgt], { maxBuffer: 64 * 1024 * 1024 })));
        if (process.env["BENCH_VERBOSE"]) console.log(`round ${r + 1}: floor ${fmt(floor[r]!)}, floor + column probes ${fmt(probed[r]!)}, hand ${fmt(hand[r]!)}, sync-sequences ${fmt(ours[r]!)}`);
      }
      const [h, o, f, p] = [median(hand), median(ours), median(floor), median(probed)];
      const spread = (v: number[]) => `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}`;
      console.log(`medians of ${ROUNDS} interleaved runs: sync-sequences ${fmt(o)} (${spread(ours)}); two-statement floor ${fmt(f)} (${spread(floor)}); floor + column probes ${fmt(p)} (${spread(probed)}); hand procedure ${fmt(h)}`);
      console.log(`ratio sync-sequences / floor = ${(o / f).toFixed(2)}x (goal ≤ 1.3x; the floor checks no rule: no column, no direction, no bounds)`);
      console.log(`ratio sync-sequences / (floor + column probes) = ${(o / p).toFixed(2)}x (the floor plus one max read per owned column, as the tool reads it, on 2 target sessions: the least that checks "never below the column it feeds")`);
      console.log(`ratio sync-sequences / hand procedure = ${(o / h).toFixed(2)} (below 1 = faster; and it copies the source's state, where the hand procedure resets to max(id))`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await pair.stop();
    }
  },
};
export default bench;
