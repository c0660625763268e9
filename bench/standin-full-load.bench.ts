/**
 * The stand-in DMS's full load of a ~1 GB source (BENCH_STANDIN_MB to change the size) against
 * `pg_dump -Fc --data-only | pg_restore --data-only` of the same data into an empty copy of the
 * schema, on the same two local servers, in the same run. Reported as ratios of elapsed time
 * (below 1: the stand-in is faster). The baseline runs with pg_dump's default compression (what
 * people type) and with -Z0 (no compression: the fairer comparison of moving bytes).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { startLocalServers } from "../src/standin/local-servers.js";
import { ReplicationEngine } from "../src/standin/replication-engine.js";
import { MemoryTaskStore } from "../src/standin/task-record.js";
import { DEFAULT_TASK_SETTINGS } from "../src/standin/task-settings.js";
import type { BenchModule } from "./run.js";

const TABLES = ["orders", "payments", "shipments", "events"];
const SCHEMA = TABLES.map(
  (t) => `CREATE TABLE bench.${t} (id bigint PRIMARY KEY, a int NOT NULL, b bigint, c text, d timestamptz, e numeric(12,2))`,
);

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

async function schema(url: string): Promise<void> {
  await sql(url, "CREATE SCHEMA bench", ...SCHEMA);
}

async function counts(url: string): Promise<string> {
  const rows = await sql(url, `SELECT ${TABLES.map((t) => `(SELECT count(*) FROM bench.${t})`).join(" || ',' || ")} AS c`);
  return String(rows[0]?.["c"]);
}

/** Runs `pg_dump … | pg_restore …` and resolves when both succeeded. */
function dumpRestore(binDir: string, sourceUrl: string, targetUrl: string, compress: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const dump = spawn(join(binDir, "pg_dump"), ["-Fc", "--data-only", ...compress, "-d", sourceUrl], { stdio: ["ignore", "pipe", "inherit"] });
    const restore = spawn(join(binDir, "pg_restore"), ["--data-only", "-d", targetUrl], { stdio: ["pipe", "inherit", "inherit"] });
    dump.stdout.pipe(restore.stdin);
    let pending = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${what} exited with ${String(code)}`));
      else if (--pending === 0) resolve();
    };
    dump.on("exit", done("pg_dump"));
    restore.on("exit", done("pg_restore"));
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const bench: BenchModule = {
  title: "stand-in DMS full load vs pg_dump -Fc | pg_restore (data only) of ~1 GB",
  async run() {
    const megabytes = Number(process.env["BENCH_STANDIN_MB"] ?? 1024);
    const servers = await startLocalServers();
    const stop = (): void => void servers.stop();
    process.once("SIGINT", stop);
    try {
      if (!servers.clientBinDir) {
        console.log("skipped: no pg_dump/pg_restore matching the source server (install Debian's postgresql-client).");
        return;
      }
      const sourceUrl = servers.source.url("bench");
      await servers.source.createDatabase("bench");
      await schema(sourceUrl);
      // ~140 bytes a row on disk; generated server-side, one table per session.
      const rowsPerTable = Math.floor((megabytes * 1024 * 1024) / TABLES.length / 140);
      const generated = await timed(async () => {
        await Promise.all(
          TABLES.map((t, i) =>
            sql(
              sourceUrl,
              `INSERT INTO bench.${t} SELECT g, g % 1000, g * ${i + 7}, md5(g::text) || md5((g + ${i})::text),
                      timestamptz '2024-01-01' + g * interval '1 second', (g % 100000) / 100.0
                 FROM generate_series(1, ${rowsPerTable}) g`,
              `VACUUM ANALYZE bench.${t}`,
            ),
          ),
        );
      });
      const size = await sql(sourceUrl, "SELECT pg_size_pretty(sum(pg_relation_size(c.oid))) AS heap, pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS total FROM pg_class c WHERE c.relnamespace = 'bench'::regnamespace AND c.relkind = 'r'");
      console.log(`source: ${TABLES.length} tables × ${rowsPerTable} rows, heap ${String(size[0]?.["heap"])} (with primary keys ${String(size[0]?.["total"])}), generated in ${generated.toFixed(1)} s`);
      const expected = await counts(sourceUrl);

      const target = async (name: string): Promise<string> => {
        await servers.target.createDatabase(name);
        await schema(servers.target.url(name));
        return servers.target.url(name);
      };

      const dumpUrl = await target("via_dump");
      const baseline = await timed(() => dumpRestore(servers.clientBinDir as string, sourceUrl, dumpUrl, []));
      if ((await counts(dumpUrl)) !== expected) throw new Error("pg_restore did not restore every row");

      const dumpZ0Url = await target("via_dump_z0");
      const baselineZ0 = await timed(() => dumpRestore(servers.clientBinDir as string, sourceUrl, dumpZ0Url, ["-Z0"]));
      if ((await counts(dumpZ0Url)) !== expected) throw new Error("pg_restore -Z0 did not restore every row");

      const standinUrl = await target("via_standin");
      const engine = await ReplicationEngine.create(
        {
          taskId: "bench",
          source: { location: servers.source.location("bench") },
          target: { location: servers.target.location("via_standin") },
          tableMappings: JSON.stringify({ rules: [{ "rule-type": "selection", "rule-id": "1", "rule-name": "bench", "object-locator": { "schema-name": "bench", "table-name": "%" }, "rule-action": "include" }] }),
          settings: { ...DEFAULT_TASK_SETTINGS, stopTaskCachedChangesNotApplied: true },
          slotName: "bench_standin",
        },
        { store: new MemoryTaskStore(), creatingMs: 0 },
      );
      while (engine.status !== "ready") await new Promise((r) => setTimeout(r, 20));
      const standin = await timed(async () => {
        engine.start("start-replication");
        while (engine.status !== "stopped" && engine.status !== "failed") await new Promise((r) => setTimeout(r, 50));
      });
      const outcome = engine.describe();
      await engine.delete();
      await engine.close();
      if (outcome.Status !== "stopped") throw new Error(`stand-in full load failed: ${outcome.LastFailureMessage ?? ""}`);
      if ((await counts(standinUrl)) !== expected) throw new Error("the stand-in did not load every row");

      console.log(`pg_dump -Fc | pg_restore:     ${baseline.toFixed(1)} s`);
      console.log(`pg_dump -Fc -Z0 | pg_restore: ${baselineZ0.toFixed(1)} s`);
      console.log(`stand-in full load (${DEFAULT_TASK_SETTINGS.maxFullLoadSubTasks} sub-tasks, ${TABLES.length} tables): ${standin.toFixed(1)} s`);
      console.log(`ratio stand-in / (pg_dump -Fc | pg_restore):     ${(standin / baseline).toFixed(2)}`);
      console.log(`ratio stand-in / (pg_dump -Fc -Z0 | pg_restore): ${(standin / baselineZ0).toFixed(2)}`);
    } finally {
      process.removeListener("SIGINT", stop);
      await servers.stop();
    }
  },
};

export default bench;
