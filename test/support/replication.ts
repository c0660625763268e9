import pg from "pg";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";

/**
 * The stand-in for DMS in tests: a real PostgreSQL logical-replication subscription carries the
 * source's changes (and the cutover marker) to the target, as DMS's CDC does. Sequences are
 * not replicated (as with DMS): the cutover's own sequence sync moves them.
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
