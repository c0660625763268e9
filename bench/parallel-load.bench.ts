/**
 * Issue 15's must-show: the stand-in DMS's full load of a database with one table holding ~90 %
 * of ~1.2 GB (BENCH_PL_MB to change), with `parallel-load` `ranges` on that table (boundaries
 * planned from its `pg_stats` histogram: plan/parallel-load.ts + adapters/postgres/
 * key-distribution.ts) and without, against `pg_dump -Fc` + `pg_restore -j N` (a custom-format
 * archive must be a file for -j, so dump then restore; default compression and -Z0) and
 * pgcopydb when installed, on the same data and servers, in the same script. Data only, into
 * an empty copy of the schema (primary keys in place), as the full load runs after the schema
 * load. Runs interleaved (BENCH_RUNS, default 3); medians and spread; ratios to the best peer.
 * BENCH_PARTS (default 4) segments for the big table; BENCH_JOBS (default: cores) for -j.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { readHistogramBounds, readPrimaryKey } from "../src/adapters/postgres/key-distribution.js";
import { parallelLoadRule, planParallelLoad } from "../src/plan/parallel-load.js";
import { startLocalServers } from "../src/standin/local-servers.js";
import { ReplicationEngine } from "../src/standin/replication-engine.js";
import { MemoryTaskStore } from "../src/standin/task-record.js";
import { DEFAULT_TASK_SETTINGS } from "../src/standin/task-settings.js";
import type { BenchModule } from "./run.js";
import { median } from "./support.js";

const SMALL = ["customers", "payments", "shipments", "events"];
const SCHEMA = [
  "CREATE SCHEMA bench",
  "CREATE TABLE bench.orders (id bigint PRIMARY KEY, customer_id int NOT NULL, b bigint, c text, d timestamptz, e numeric(12,2))",
  ...SMALL.map((t) => `CREATE TABLE bench.${t} (id bigint PRIMARY KEY, a int NOT NULL, c text, d timestamptz)`),
];
const ALL = ["orders", ...SMALL];

async function sql(url: string, ...statements: string[]): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: pg.QueryResultRow[] = [];
    for (const s of statements) rows = (await client.query<pg.QueryResultRow>(s)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

async function counts(url: string): Promise<string> {
  const rows = await sql(url, `SELECT ${ALL.map((t) => `(SELECT count(*) FROM bench.${t})`).join(" || ',' || ")} AS c`);
  return String(rows[0]?.["c"]);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${String(code)}`))));
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function spread(values: number[]): string {
  return `${median(values).toFixed(1)} s (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}, n=${values.length})`;
}

const bench: BenchModule = {
  title: "stand-in full load with parallel-load ranges vs without vs pg_dump -Fc + pg_restore -j (one table ~90 % of ~1.2 GB)",
  async run() {
    const megabytes = Number(process.env["BENCH_PL_MB"] ?? 1200);
    const runs = Math.max(1, Number(process.env["BENCH_RUNS"] ?? 3));
    const parts = Math.max(2, Number(process.env["BENCH_PARTS"] ?? 4));
    const jobs = Math.max(1, Number(process.env["BENCH_JOBS"] ?? availableParallelism()));
    const servers = await startLocalServers();
    const stop = (): void => void servers.stop();
    process.once("SIGINT", stop);
    const work = mkdtempSync(join(tmpdir(), "bench-pl-"));
    try {
      const bin = servers.clientBinDir;
      if (!bin) {
        console.log("skipped: no pg_dump/pg_restore matching the source server (install Debian's postgresql-client).");
        return;
      }
      const pgcopydb = spawnSync("pgcopydb", ["--version"], { stdio: "ignore" }).status === 0;
      const sourceUrl = servers.source.url("bench");
      await servers.source.createDatabase("bench");
      await sql(sourceUrl, ...SCHEMA);
      // ~150 bytes a row on disk for orders, ~110 for the small tables: orders ≈ 90 %.
      const orderRows = Math.floor((megabytes * 0.9 * 1024 * 1024) / 150);
      const smallRows = Math.floor((megabytes * 0.1 * 1024 * 1024) / SMALL.length / 110);
      await Promise.all([
        sql(
          sourceUrl,
          `INSERT INTO bench.orders SELECT g, g % 100000, g * 7, md5(g::text) || md5((g + 1)::text),
                  timestamptz '2024-01-01' + g * interval '1 second', (g % 100000) / 100.0
             FROM generate_series(1, ${orderRows}) g`,
          "VACUUM ANALYZE bench.orders",
        ),
        ...SMALL.map((t) =>
          sql(sourceUrl, `INSERT INTO bench.${t} SELECT g, g % 1000, md5(g::text) || md5((g + 2)::text), timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, ${smallRows}) g`, `VACUUM ANALYZE bench.${t}`),
        ),
      ]);
      const size = await sql(
        sourceUrl,
        `SELECT pg_size_pretty(sum(pg_relation_size(c.oid))) AS heap, round(100.0 * sum(pg_relation_size(c.oid)) FILTER (WHERE c.relname = 'orders') / sum(pg_relation_size(c.oid))) AS share
           FROM pg_class c WHERE c.relnamespace = 'bench'::regnamespace AND c.relkind = 'r'`,
      );
      const expected = await counts(sourceUrl);

      // The big table's split, as step 6 plans it: its primary key and pg_stats histogram.
      const client = new pg.Client({ connectionString: sourceUrl });
      await client.connect();
      const key = await readPrimaryKey(client, "bench", "orders");
      const bounds = await readHistogramBounds(client, "bench", "orders", key[0]!.name);
      await client.end();
      const plan = planParallelLoad({ schema: "bench", table: "orders", key, candidates: bounds.map((b) => [b]), parts });
      if (plan.kind !== "ranges") throw new Error(`no split planned: ${plan.reason}`);
      console.log(
        `source: orders ${orderRows} rows + ${SMALL.length} tables × ${smallRows} rows, heap ${String(size[0]?.["heap"])} (orders ${String(size[0]?.["share"])} %); ` +
          `orders split in ${plan.segments} at ${plan.boundaries.map((b) => b.join("/")).join(", ")}; ${runs} interleaved runs; machine shared (2 cores, other jobs running)`,
      );
      const selection = { "rule-type": "selection", "rule-id": "1", "rule-name": "bench", "object-locator": { "schema-name": "bench", "table-name": "%" }, "rule-action": "include" };
      const withRanges = JSON.stringify({ rules: [selection, parallelLoadRule("bench", "orders", plan, 2)] });
      const withoutRanges = JSON.stringify({ rules: [selection] });

      let n = 0;
      const target = async (): Promise<{ name: string; url: string }> => {
        const name = `t${++n}`;
        await servers.target.createDatabase(name);
        const url = servers.target.url(name);
        await sql(url, ...SCHEMA);
        return { name, url };
      };
      const drop = async (name: string): Promise<void> => void (await sql(servers.target.url("postgres"), `DROP DATABASE ${name}`));
      const check = async (url: string, what: string): Promise<void> => {
        if ((await counts(url)) !== expected) throw new Error(`${what} did not load every row`);
      };

      const standin = (mappings: string) => async (): Promise<number> => {
        const t = await target();
        const slot = `bench_pl_${n}`;
        const engine = await ReplicationEngine.create(
          {
            taskId: `bench-${n}`,
            source: { location: servers.source.location("bench") },
            target: { location: servers.target.location(t.name) },
            tableMappings: mappings,
            settings: { ...DEFAULT_TASK_SETTINGS, stopTaskCachedChangesNotApplied: true },
            slotName: slot,
          },
          { store: new MemoryTaskStore(), creatingMs: 0 },
        );
        while (engine.status !== "ready") await new Promise((r) => setTimeout(r, 20));
        const seconds = await timed(async () => {
          engine.start("start-replication");
          while (engine.status !== "stopped" && engine.status !== "failed") await new Promise((r) => setTimeout(r, 25));
        });
        const outcome = engine.describe();
        await engine.delete();
        await engine.close();
        await sql(sourceUrl, `SELECT pg_drop_replication_slot('${slot}')`);
        if (outcome.Status !== "stopped") throw new Error(`stand-in full load failed: ${outcome.LastFailureMessage ?? ""}`);
        await check(t.url, "the stand-in");
        await drop(t.name);
        return seconds;
      };
      const dumpRestore = (compress: string[]) => async (): Promise<number> => {
        const t = await target();
        const file = join(work, `dump-${n}`);
        const seconds = await timed(async () => {
          await run(join(bin, "pg_dump"), ["-Fc", "--data-only", ...compress, "-f", file, "-d", sourceUrl]);
          await run(join(bin, "pg_restore"), ["--data-only", "-j", String(jobs), "-d", t.url, file]);
        });
        rmSync(file, { force: true });
        await check(t.url, "pg_restore");
        await drop(t.name);
        return seconds;
      };
      const copydb = async (): Promise<number> => {
        const t = await target();
        const dir = join(work, `copydb-${n}`);
        const seconds = await timed(() =>
          run("pgcopydb", ["copy", "table-data", "--source", sourceUrl, "--target", t.url, "--table-jobs", String(jobs), "--index-jobs", String(jobs), "--split-tables-larger-than", "50MB", "--dir", dir]),
        );
        rmSync(dir, { recursive: true, force: true });
        await check(t.url, "pgcopydb");
        await drop(t.name);
        return seconds;
      };

      const methods: [string, () => Promise<number>][] = [
        [`stand-in, ranges (${plan.segments} segments, MaxFullLoadSubTasks ${DEFAULT_TASK_SETTINGS.maxFullLoadSubTasks})`, standin(withRanges)],
        ["stand-in, no ranges", standin(withoutRanges)],
        [`pg_dump -Fc + pg_restore -j ${jobs}`, dumpRestore([])],
        [`pg_dump -Fc -Z0 + pg_restore -j ${jobs}`, dumpRestore(["-Z0"])],
        ...(pgcopydb ? [[`pgcopydb copy table-data (${jobs} jobs, split > 50MB)`, copydb] as [string, () => Promise<number>]] : []),
      ];
      if (!pgcopydb) console.log("pgcopydb: not installed, not measured");
      const times = new Map<string, number[]>(methods.map(([name]) => [name, []]));
      for (let i = 0; i < runs; i++) {
        for (const [name, fn] of methods) {
          const s = await fn();
          times.get(name)!.push(s);
          console.log(`  run ${i + 1}: ${name}: ${s.toFixed(1)} s`);
        }
      }
      for (const [name, values] of times) console.log(`${name}: ${spread(values)}`);
      const [rangesName, plainName, ...peers] = methods.map(([name]) => name);
      const med = (name: string): number => median(times.get(name)!);
      const best = peers.reduce((a, b) => (med(a) <= med(b) ? a : b));
      console.log(`ratio stand-in ranges / no ranges: ${(med(rangesName!) / med(plainName!)).toFixed(2)}`);
      console.log(`ratio stand-in ranges / best peer (${best}): ${(med(rangesName!) / med(best)).toFixed(2)} (goal ≤ 1.20)`);
      console.log(`ratio stand-in no ranges / best peer: ${(med(plainName!) / med(best)).toFixed(2)}`);
      // The same ratios run by run (each run's methods ran back to back): steadier on a shared machine.
      const perRun = (a: string, b: string): string => {
        const r = times.get(a)!.map((v, i) => v / times.get(b)![i]!);
        return `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
      };
      console.log(`per-run ratios, median (spread): ranges / no ranges ${perRun(rangesName!, plainName!)}; ranges / best peer ${perRun(rangesName!, best)}`);
    } finally {
      process.removeListener("SIGINT", stop);
      rmSync(work, { recursive: true, force: true });
      await servers.stop();
    }
  },
};

export default bench;
