/**
 * check-source on a database with 10 tables and on one with 5,000: the number of catalog
 * queries must be the same (counted on the wire, not estimated), and the time ratio shows how
 * the rest (catalog rows, the one data scan) grows with the table count.
 */
import { performance } from "node:perf_hooks";
import type { BenchModule } from "./run.js";
import { type CheckSourceReport, checkSource } from "../src/commands/check-source.js";
import { MemoryReporter } from "../src/ui/reporter.js";
import { startPgServer } from "../test/support/pg-server.js";

const RUNS = 3;

async function createTables(server: Awaited<ReturnType<typeof startPgServer>>, database: string, count: number): Promise<string> {
  const url = await server.createDatabase(database);
  // Each table has a primary key, a text and a jsonb column (LOB types: the data scan reads them) and a row.
  // In batches: one transaction creating 5,000 tables runs out of lock slots.
  for (let from = 1; from <= count; from += 500) {
    const to = Math.min(count, from + 499);
    await server.sql(
      `DO $$ BEGIN
         FOR i IN ${from}..${to} LOOP
           EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, body text, meta jsonb, at timestamptz)', i);
           EXECUTE format('INSERT INTO t_%s VALUES (1, repeat(''x'', 100), ''{"a": 1}'', now())', i);
         END LOOP;
       END $$`,
      database,
    );
  }
  await server.sql("ANALYZE", database);
  return url;
}

async function measure(url: string): Promise<{ ms: number; report: CheckSourceReport }> {
  const times: number[] = [];
  let report: CheckSourceReport | undefined;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    report = await checkSource({ url }, new MemoryReporter(true));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)]!, report: report! };
}

const bench: BenchModule = {
  title: "check-source: catalog queries and time, 5,000 tables vs 10 tables",
  async run() {
    const server = await startPgServer({ name: "bench-check-source", logical: true });
    try {
      const small = await createTables(server, "ten_tables", 10);
      const large = await createTables(server, "five_thousand_tables", 5000);
      const a = await measure(small);
      const b = await measure(large);
      console.log(`  10 tables:    ${a.report.queries.catalog} catalog queries, ${a.report.queries.dataScan} data-scan statement(s), ${a.report.facts.tableCount} tables seen`);
      console.log(`  5,000 tables: ${b.report.queries.catalog} catalog queries, ${b.report.queries.dataScan} data-scan statement(s), ${b.report.facts.tableCount} tables seen`);
      for (const [label, r] of [["10", a.report], ["5,000", b.report]] as const) {
        const failed = r.findings.find((f) => f.check === "lobs.scan_failed");
        console.log(`  data scan on ${label} tables: ${failed ? `FAILED: ${failed.found}` : `${r.facts.lobColumns.length} LOB columns measured`}`);
      }
      console.log(`  catalog queries equal: ${a.report.queries.catalog === b.report.queries.catalog ? "yes" : "NO"}`);
      console.log(`  time ratio (5,000 / 10 tables, median of ${RUNS}): ${(b.ms / a.ms).toFixed(1)}×  (500× the tables)`);
      if (a.report.queries.catalog !== b.report.queries.catalog) throw new Error("The number of catalog queries grew with the table count.");
    } finally {
      await server.stop();
    }
  },
};
export default bench;
