/**
 * (b) The restore of set-aside indexes on a ~1 GB table set: 1 job against N jobs, on the
 * same server and data in the same run; with PostgreSQL's own parallel index build off (each
 * job one process) and on (its default), since Aurora has it on.
 */
import { connectPg } from "../src/adapters/postgres/connect.js";
import { parsePgUrl } from "../src/adapters/postgres/url.js";
import { dropSetAside, readSetAside } from "../src/migration/schema/set-aside.js";
import { restoreSetAside } from "../src/migration/schema/restore.js";
import { installedServers, startPgServer } from "../test/support/pg-server.js";
import type { BenchModule } from "./run.js";
import { databaseSize, fmt, seconds, tableSetSql } from "./support.js";

const TABLES = 4;
const ROWS = 2_500_000;
const JOBS = [1, 2, 4];

const bench: BenchModule = {
  title: `restore of set-aside indexes (${TABLES} tables × ${ROWS.toLocaleString("en")} rows, 4 secondary indexes each): N jobs vs 1`,
  async run() {
    const build = installedServers()[0];
    const server = await startPgServer({ name: "bench-restore", logical: false, settings: { max_wal_size: "'4GB'" }, ...(build ? { binDir: build.binDir } : {}) });
    try {
      const url = await server.createDatabase("load");
      await server.sql(tableSetSql(TABLES, ROWS), "load");
      const idx: string[] = [];
      for (let i = 1; i <= TABLES; i += 1) {
        idx.push(`CREATE INDEX load_${i}_a ON public.load_${i} (a)`, `CREATE INDEX load_${i}_b ON public.load_${i} (b, a)`);
        idx.push(`CREATE INDEX load_${i}_c ON public.load_${i} (c)`, `CREATE INDEX load_${i}_d ON public.load_${i} (d)`);
      }
      await server.sql(idx.join(";\n"), "load");
      await server.sql("VACUUM ANALYZE", "load");
      console.log(`PostgreSQL ${server.major}, database size with its indexes ${await databaseSize(server, "load")}`);
      const loc = parsePgUrl(url).location;
      const connect = () => connectPg(loc, undefined);
      const admin = await connect();
      const objects = await readSetAside(admin, ["public"], { indexes: true });
      for (const parallelWorkers of [0, 2]) {
        await admin.query(`ALTER DATABASE load SET max_parallel_maintenance_workers = ${parallelWorkers}`);
        const times = new Map<number, number>();
        for (const jobs of JOBS) {
          await dropSetAside(admin, objects);
          await admin.query("CHECKPOINT");
          times.set(jobs, await seconds(() => restoreSetAside({ connect, objects, jobs })));
        }
        const one = times.get(1)!;
        const line = JOBS.map((j) => `${j} job(s) ${fmt(times.get(j)!)}${j === 1 ? "" : ` (ratio to 1 job: ${(times.get(j)! / one).toFixed(2)})`}`).join("; ");
        console.log(`max_parallel_maintenance_workers=${parallelWorkers}: ${objects.length} indexes; ${line}`);
      }
      await admin.end();
    } finally {
      await server.stop();
    }
  },
};
export default bench;
