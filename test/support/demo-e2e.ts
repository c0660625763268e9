/**
 * For the demo's end-to-end tests: a source and a target server of the test's own (SSL on, as
 * the demo's), so the CLI under test can be killed without orphaning servers, and read-backs of
 * what the migration left on them and in the stand-in's account.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { type LocalServers, startLocalServers } from "../../src/standin/local-servers.js";
import type { AccountData } from "../../src/standin/aws/account.js";
import { accountPathFor } from "../../src/standin/aws/index.js";
import { APP_ROLE } from "../../src/commands/demo/schema.js";

export interface DemoServers {
  servers: LocalServers;
  /** The (empty) source database the demo fills, as the superuser, SSL required. */
  sourceUrl: string;
  /** The server that plays Aurora, as the superuser. */
  targetUrl: string;
  /** The migrated database on the target. */
  targetDbUrl: string;
  sourceSql<T extends pg.QueryResultRow>(text: string): Promise<T[]>;
  targetSql<T extends pg.QueryResultRow>(text: string): Promise<T[]>;
  /** SQL on the migrated database as the demo app's own role (no superuser: its grants count). */
  targetSqlAsApp<T extends pg.QueryResultRow>(text: string): Promise<T[]>;
}

async function query<T extends pg.QueryResultRow>(port: number, database: string, text: string, user = "postgres"): Promise<T[]> {
  const client = new pg.Client({ host: "127.0.0.1", port, user, database });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

export async function startDemoServers(): Promise<DemoServers> {
  const servers = await startLocalServers({ ssl: true });
  await servers.source.createDatabase("shop");
  return {
    servers,
    sourceUrl: `postgres://postgres@127.0.0.1:${servers.source.port}/shop?sslmode=require`,
    targetUrl: `postgres://postgres@127.0.0.1:${servers.target.port}/postgres?sslmode=require`,
    targetDbUrl: `postgres://postgres@127.0.0.1:${servers.target.port}/shop?sslmode=require`,
    sourceSql: (text) => query(servers.source.port, "shop", text),
    targetSql: (text) => query(servers.target.port, "shop", text),
    targetSqlAsApp: (text) => query(servers.target.port, "shop", text, APP_ROLE),
  };
}

export function readAccount(statePath: string): AccountData {
  return JSON.parse(readFileSync(accountPathFor(statePath), "utf8")) as AccountData;
}

/** What the stand-in's account holds, counted by kind (deleted resources are gone from it). */
export function accountCounts(statePath: string): { clusters: number; instances: number; endpoints: number; tasks: number; rules: number } {
  const a = readAccount(statePath);
  return {
    clusters: Object.keys(a.clusters).length,
    instances: Object.keys(a.replicationInstances).length,
    endpoints: Object.keys(a.endpoints).length,
    tasks: Object.keys(a.tasks).length,
    rules: Object.values(a.securityGroups).reduce((n, g) => n + g.rules.length, 0),
  };
}

/** What DMS (and the stand-in) leave on a source: slots, publications, the tool's and DMS's objects. */
export async function sourceLeftovers(d: DemoServers): Promise<string[]> {
  const rows = await d.sourceSql<{ what: string }>(`
    SELECT 'slot ' || slot_name AS what FROM pg_replication_slots
    UNION ALL SELECT 'publication ' || pubname FROM pg_publication
    UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname = 'aurora_migrate'
    UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relname LIKE 'awsdms%'
    UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger`);
  return rows.map((r) => r.what);
}

/**
 * One insert into every table of the app that takes an id from a sequence, on the target, as
 * the app would: logged in as its role, with the privileges the wizard carried over.
 */
export async function firstInsertsOnTarget(d: DemoServers): Promise<void> {
  await d.targetSqlAsApp(`
    BEGIN;
    WITH c AS (INSERT INTO app.customers (email, name) VALUES ('first-after-cutover@example.com', 'First') RETURNING id),
         p AS (INSERT INTO app.products (sku, title, price) VALUES ('SKU-FIRST', 'First', 1) RETURNING id),
         o AS (INSERT INTO app.orders (customer_id) SELECT id FROM c RETURNING id),
         l AS (INSERT INTO app.order_lines (order_id, product_id, qty, price) SELECT o.id, p.id, 1, 1 FROM o, p RETURNING id)
    INSERT INTO app.invoices (order_id) SELECT id FROM o;
    INSERT INTO app.shipments (region, order_id) SELECT 'eu', max(id) FROM app.orders;
    INSERT INTO app.shipments (region, order_id) SELECT 'apac', max(id) FROM app.orders;
    -- Upserts need the partitioned key valid and attached on every partition.
    INSERT INTO app.shipments (region, id, order_id) SELECT region, id, order_id FROM app.shipments WHERE region = 'us' LIMIT 1
      ON CONFLICT (region, id) DO UPDATE SET shipped_at = now();
    INSERT INTO app.carts (token, customer_id) SELECT token, customer_id FROM app.carts LIMIT 1
      ON CONFLICT (token) DO UPDATE SET updated_at = now();
    INSERT INTO app.audit_log (what) VALUES ('first after cutover');
    COMMIT;`);
}
