import pg from "pg";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";

/**
 * Stand-ins for DMS in tests: a real PostgreSQL logical-replication subscription carries the
 * source's changes (and the cutover marker) to the target, as DMS's CDC does; and a plain
 * copy of sequence positions stands in for the sequence sync of `sync-sequences`.
 */

async function run(url: string, sql: string): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(sql);
    return Array.isArray(r) ? [] : (r.rows as pg.QueryResultRow[]);
  } finally {
    await c.end();
  }
}

/** Creates `ddl` and the marker table on both sides, publishes them on the source and subscribes the target. */
export async function replicate(o: { sourceUrl: string; sourcePort: number; sourceDb: string; targetUrl: string; ddl: string; tables: string[]; name: string }): Promise<{ stop(): Promise<void> }> {
  const schema = [o.ddl, ...MARKER_DDL].join(";\n");
  await run(o.sourceUrl, schema);
  await run(o.targetUrl, schema);
  await run(o.sourceUrl, `CREATE PUBLICATION ${o.name} FOR TABLE ${[...o.tables, "aurora_migrate.cutover_marker"].join(", ")}`);
  await run(o.targetUrl, `CREATE SUBSCRIPTION ${o.name} CONNECTION 'host=127.0.0.1 port=${o.sourcePort} dbname=${o.sourceDb} user=postgres' PUBLICATION ${o.name}`);
  // Wait until every table's initial sync is done, so the test starts from a steady stream.
  for (let i = 0; i < 200; i += 1) {
    const rows = await run(o.targetUrl, "SELECT count(*)::int AS pending FROM pg_subscription_rel WHERE srsubstate <> 'r'");
    if (rows[0]?.["pending"] === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    stop: async () => {
      await run(o.targetUrl, `DROP SUBSCRIPTION IF EXISTS ${o.name}`);
    },
  };
}

/** Moves every target sequence to the source's position (the test's stand-in for `sync-sequences`). */
export async function copySequencePositions(sourceUrl: string, targetUrl: string): Promise<{ summary: string }> {
  const seqs = await run(sourceUrl, "SELECT format('%I.%I', schemaname, sequencename) AS name, last_value FROM pg_sequences WHERE last_value IS NOT NULL AND schemaname <> 'aurora_migrate'");
  const c = new pg.Client({ connectionString: targetUrl });
  await c.connect();
  try {
    for (const s of seqs) await c.query("SELECT setval($1::regclass, $2)", [s["name"], s["last_value"]]);
  } finally {
    await c.end();
  }
  return { summary: `${seqs.length} sequence(s) copied` };
}
