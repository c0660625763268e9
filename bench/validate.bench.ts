/**
 * (c) `validate --checksum` (content hashes computed in both databases) against a plain
 * SELECT count(*) of the same tables on both sides at once, and (d) `--jobs 2` against
 * `--jobs 1`, on a database where one table holds about 89 % of the bytes. Runs interleaved,
 * medians. BENCH_VALIDATE_ROWS scales the data (default about 1.5 GB per side).
 *
 * On this bench both servers share the machine's cores, where a user's source and Aurora have
 * cores of their own. So (d) is also measured the way each server sees it: one side's digest
 * alone (the other server idle), --jobs 2 against --jobs 1; and the cores kept busy during
 * both-sides --jobs 1 are read from /proc/stat, which bounds what any --jobs can gain here.
 */
import pg from "pg";
import { connectUrl } from "../src/adapters/postgres/connect-url.js";
import { mapLimit } from "../src/core/concurrency.js";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import type { PgClient } from "../src/adapters/postgres/connect.js";
import { useStableTextSettings } from "../src/migration/validate/checksum.js";
import { validateDatabases } from "../src/migration/validate/compare.js";
import { rowHashExpr } from "../src/migration/validate/row-hash.js";
import { digestSideBiggestFirst } from "../src/migration/validate/side-digest.js";
import { listTables } from "../src/migration/validate/tables.js";
import type { BenchModule } from "./run.js";
import { databaseSize, fmt, median, seconds, startPair } from "./support.js";

const ROWS = Number(process.env.BENCH_VALIDATE_ROWS ?? 13_400_000);
/** One big table and three small ones: 89 % of the rows (and bytes) in the first. */
const SHARES = [0.89, 0.04, 0.04, 0.03];
const TABLES = SHARES.map((share, i) => ({ name: `load_${i + 1}`, rows: Math.round(ROWS * share) }));
const JOBS = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** The same content for the same arguments on any server (about 110 bytes a row with its key). */
function tablesSql(): string {
  return TABLES.map(
    (t) => `CREATE TABLE public.${t.name} (id bigint PRIMARY KEY, a integer, b integer, c text, d timestamptz);
      INSERT INTO public.${t.name} SELECT g, (g::bigint * 7919) % 1000003, g % 1000, md5(g::text), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, ${t.rows}) g`,
  ).join(";\n");
}

/** What a person would type to compare counts: count(*) of every table, both sides at once, JOBS sessions a side. */
async function plainCounts(urls: string[]): Promise<void> {
  await Promise.all(
    urls.map((url) =>
      mapLimit(TABLES, JOBS, async ({ name }) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`SELECT count(*) FROM public.${name}`);
        await c.end();
      }),
    ),
  );
}

async function validate(src: string, tgt: string, jobs: number): Promise<void> {
  const report = await validateDatabases({ connectSource: () => connectUrl(src), connectTarget: () => connectUrl(tgt), schemas: ["public"], checksum: true, jobs, parity: false });
  if (report.differences !== 0) throw new Error("the two sides were generated alike and must match");
}

/** One side's digest alone, as validate computes it (typed hashes, biggest table first), with `jobs` sessions. */
async function oneSide(url: string, jobs: number): Promise<void> {
  const pool: PgClient[] = [];
  try {
    const first = await connectUrl(url);
    pool.push(first);
    const tables = await listTables(first, ["public"], true);
    const work = tables.map((t) => ({ ...t, rowHash: rowHashExpr(t.columns, "typed", () => true) }));
    await useStableTextSettings(first);
    await digestSideBiggestFirst(pool, () => connectUrl(url), work, jobs, () => undefined);
  } finally {
    await Promise.all(pool.map((c) => c.end()));
  }
}

/** The machine's busy and total CPU time so far (/proc/stat's first line, in ticks). */
function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

const bench: BenchModule = {
  title: `validate --checksum vs count(*) on both sides at once, and --jobs ${JOBS} vs --jobs 1; ${ROWS.toLocaleString("en")} rows a side, ${SHARES[0]! * 100} % in one table`,
  async run() {
    const pair = await startPair();
    try {
      const [src, tgt] = await Promise.all([pair.source.createDatabase("load"), pair.target.createDatabase("load")]);
      const t0 = Date.now();
      await Promise.all([pair.source.sql(tablesSql(), "load"), pair.target.sql(tablesSql(), "load")]);
      await Promise.all([pair.source.sql("VACUUM ANALYZE", "load"), pair.target.sql("VACUUM ANALYZE", "load")]);
      console.log(`PostgreSQL ${pair.source.major} → ${pair.target.major}, ${await databaseSize(pair.source, "load")} on each side (built in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      // One untimed pass of each warms the page cache alike.
      await plainCounts([src, tgt]);
      await validate(src, tgt, JOBS);
      const counts: number[] = [];
      const sums: number[] = [];
      const singles: number[] = [];
      const busyCores: number[] = [];
      const sideOne: number[] = [];
      const sideJobs: number[] = [];
      for (let r = 0; r < ROUNDS; r += 1) {
        counts.push(await seconds(() => plainCounts([src, tgt])));
        sums.push(await seconds(() => validate(src, tgt, JOBS)));
        const before = cpuTicks();
        singles.push(await seconds(() => validate(src, tgt, 1)));
        const after = cpuTicks();
        busyCores.push(((after.busy - before.busy) / (after.total - before.total)) * cpus().length);
        sideOne.push(await seconds(() => oneSide(src, 1)));
        sideJobs.push(await seconds(() => oneSide(src, JOBS)));
      }
      const [c, s, one] = [median(counts), median(sums), median(singles)];
      const busy = median(busyCores);
      console.log(`count(*) both sides: ${fmt(c)}; validate --checksum --jobs ${JOBS}: ${fmt(s)}; --jobs 1: ${fmt(one)} (medians of ${ROUNDS}, interleaved)`);
      console.log(`ratio validate --checksum / count(*) = ${(s / c).toFixed(2)} (goal ≤ 2)`);
      console.log(`ratio validate --jobs 1 / --jobs ${JOBS} = ${(one / s).toFixed(2)} (goal ≥ 1.6)`);
      console.log(
        `  cores busy during both sides at --jobs 1: ${busy.toFixed(2)} of ${cpus().length} (the whole machine, both servers): at most ${(cpus().length / busy).toFixed(2)}x left for any --jobs here`,
      );
      const [so, sj] = [median(sideOne), median(sideJobs)];
      console.log(`one side alone (the source's digest, the target idle: a server with its own ${cpus().length} cores): --jobs 1 ${fmt(so)}, --jobs ${JOBS} ${fmt(sj)}`);
      console.log(`ratio one side --jobs 1 / --jobs ${JOBS} = ${(so / sj).toFixed(2)} (goal ≥ 1.6)`);
    } finally {
      await pair.stop();
    }
  },
};
export default bench;
