/**
 * (c) `validate --checksum` (content hashes computed in both databases) against a plain
 * SELECT count(*) of the same tables on both sides, in the same run, same parallelism.
 */
import pg from "pg";
import { connectUrl } from "../src/adapters/postgres/connect-url.js";
import { mapLimit } from "../src/concurrency.js";
import { validateDatabases } from "../src/validate/compare.js";
import type { BenchModule } from "./run.js";
import { databaseSize, fmt, median, seconds, startPair, tableSetSql } from "./support.js";

const TABLES = 4;
const ROWS = 1_250_000;
const JOBS = 2;
const ROUNDS = 3;

async function plainCounts(urls: string[]): Promise<void> {
  const tables = Array.from({ length: TABLES }, (_, i) => `public.load_${i + 1}`);
  const work = urls.flatMap((url) => tables.map((t) => ({ url, t })));
  await mapLimit(work, JOBS * urls.length, async ({ url, t }) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`SELECT count(*) FROM ${t}`);
    await c.end();
  });
}

const bench: BenchModule = {
  title: `validate --checksum vs plain SELECT count(*), ${TABLES} tables × ${ROWS.toLocaleString("en")} rows on each side, ${JOBS} jobs`,
  async run() {
    const pair = await startPair();
    try {
      const [src, tgt] = await Promise.all([pair.source.createDatabase("load"), pair.target.createDatabase("load")]);
      await Promise.all([pair.source.sql(tableSetSql(TABLES, ROWS), "load"), pair.target.sql(tableSetSql(TABLES, ROWS), "load")]);
      await Promise.all([pair.source.sql("VACUUM ANALYZE", "load"), pair.target.sql("VACUUM ANALYZE", "load")]);
      console.log(`PostgreSQL ${pair.source.major} → ${pair.target.major}, ${await databaseSize(pair.source, "load")} on each side`);
      const counts: number[] = [];
      const sums: number[] = [];
      for (let r = 0; r < ROUNDS; r += 1) {
        counts.push(await seconds(() => plainCounts([src, tgt])));
        sums.push(
          await seconds(async () => {
            const report = await validateDatabases({ connectSource: () => connectUrl(src), connectTarget: () => connectUrl(tgt), schemas: ["public"], checksum: true, jobs: JOBS, parity: false });
            if (report.differences !== 0) throw new Error("the two sides were generated alike and must match");
          }),
        );
      }
      const [c, s] = [median(counts), median(sums)];
      console.log(`plain count(*): ${fmt(c)}; validate --checksum: ${fmt(s)} (medians of ${ROUNDS})`);
      console.log(`ratio validate --checksum / count(*) = ${(s / c).toFixed(1)}`);
    } finally {
      await pair.stop();
    }
  },
};
export default bench;
