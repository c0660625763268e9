/**
 * Helpers for the stand-in engine's tests: an app-like schema, a write load on the source,
 * comparisons of source and target content, and polling until a condition holds.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { parsePgUrl } from "../../src/adapters/postgres/url.js";
import type { PgEndpoint } from "../../src/standin/endpoint.js";
import { ReplicationEngine, type ReplicationEngineConfig } from "../../src/standin/replication-engine.js";
import { MemoryTaskStore, type TaskStore } from "../../src/standin/task-record.js";
import { DEFAULT_TASK_SETTINGS, type StandinTaskSettings } from "../../src/standin/task-settings.js";
import { type TestDatabase, freshDatabase } from "./databases.js";

export function endpointOf(db: TestDatabase): PgEndpoint {
  const { location, password } = parsePgUrl(db.url);
  return password === undefined ? { location } : { location, password };
}

/** Tables, a shared sequence, a trigger; `withForeignKey` adds orders → customers. */
export function appSchema(options: { withForeignKey?: boolean } = {}): string {
  return `
    CREATE SCHEMA app;
    CREATE SEQUENCE app.shared_ids;
    CREATE TABLE app.customers (id serial PRIMARY KEY, name text NOT NULL, doc jsonb, tags text[]);
    CREATE TABLE app.orders (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      customer_id int NOT NULL ${options.withForeignKey ? "REFERENCES app.customers (id)" : ""},
      ref bigint NOT NULL DEFAULT nextval('app.shared_ids'),
      amount numeric(12,2), note text, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE app.events (payload text, at timestamptz DEFAULT now());
    CREATE TABLE app.audit (id bigserial PRIMARY KEY, what text);
    CREATE FUNCTION app.audit_order() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN INSERT INTO app.audit (what) VALUES ('order ' || NEW.id); RETURN NEW; END $$;
    CREATE TRIGGER orders_audit AFTER INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.audit_order();
  `;
}

export async function seed(db: TestDatabase, customers: number, orders: number): Promise<void> {
  await db.sql(`INSERT INTO app.customers (name, doc, tags)
                SELECT 'customer ' || g, jsonb_build_object('n', g, 'quote', E'it''s\\na "line"'), ARRAY['a', 'b,c', NULL]
                  FROM generate_series(1, ${customers}) g`);
  await db.sql(`INSERT INTO app.orders (customer_id, amount, note)
                SELECT 1 + g % ${customers}, g * 1.25, repeat('x', g % 50) || E'\\ttab' FROM generate_series(1, ${orders}) g`);
  await db.sql(`INSERT INTO app.events (payload) SELECT 'event ' || g FROM generate_series(1, ${Math.ceil(orders / 10)}) g`);
  await db.sql("ANALYZE");
}

export const ALL_APP_TABLES = JSON.stringify({
  rules: [{ "rule-type": "selection", "rule-id": "1", "rule-name": "app", "object-locator": { "schema-name": "app", "table-name": "%" }, "rule-action": "include" }],
});

export function engineConfig(source: TestDatabase, target: TestDatabase, settings: Partial<StandinTaskSettings> = {}): ReplicationEngineConfig {
  return {
    taskId: "test-task",
    source: endpointOf(source),
    target: endpointOf(target),
    tableMappings: ALL_APP_TABLES,
    settings: { ...DEFAULT_TASK_SETTINGS, ...settings },
    slotName: `standin_${randomBytes(4).toString("hex")}`,
  };
}

/** A steady mix of inserts, updates and deletes on the source until stopped. */
export class SourceWriter {
  private running = true;
  private loop: Promise<void> | undefined;
  transactions = 0;

  constructor(private readonly db: TestDatabase) {}

  start(): this {
    this.loop = (async () => {
      const client = new pg.Client({ connectionString: this.db.url });
      await client.connect();
      try {
        while (this.running) {
          await client.query("BEGIN");
          await client.query("INSERT INTO app.customers (name, doc) VALUES ('live ' || clock_timestamp(), '{\"live\": true}')");
          await client.query("INSERT INTO app.orders (customer_id, amount, note) SELECT max(id), 9.99, 'live' FROM app.customers");
          await client.query("UPDATE app.customers SET name = name || '+' WHERE id = (SELECT id FROM app.customers ORDER BY random() LIMIT 1)");
          await client.query("DELETE FROM app.orders WHERE id = (SELECT min(id) FROM app.orders)");
          await client.query("INSERT INTO app.events (payload) VALUES ('live')");
          await client.query("COMMIT");
          this.transactions++;
        }
      } finally {
        await client.end();
      }
    })();
    return this;
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.loop;
    return this.transactions;
  }
}

/** Per table: row count and a digest of every row's content, in a stable order. */
export async function tableDigests(db: TestDatabase, tables = ["customers", "orders", "events", "audit"]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    const rows = await db.sql<{ n: string; digest: string | null }>(
      `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS digest FROM app.${t} x`,
    );
    out[t] = `${rows[0]?.n}:${rows[0]?.digest ?? "-"}`;
  }
  return out;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function waitForStatus(engine: ReplicationEngine, status: string, timeoutMs?: number): Promise<ReturnType<ReplicationEngine["describe"]>> {
  return waitFor(`task status ${status} (now ${engine.describe().Status}: ${engine.describe().LastFailureMessage ?? ""})`, () => {
    const d = engine.describe();
    if (d.Status === "failed" && status !== "failed") throw new Error(`task failed: ${d.LastFailureMessage}`);
    return d.Status === status ? d : undefined;
  }, timeoutMs);
}

/**
 * Waits until the task replicates changes. Full load at 100 % and status `running` is not yet
 * that (the task is `running` through its full load too); a latency figure exists only in CDC.
 */
export function waitForCdc(engine: ReplicationEngine): Promise<unknown> {
  return waitFor("CDC to run", async () => {
    if (engine.describe().Status === "failed") throw new Error(`task failed: ${engine.describe().LastFailureMessage}`);
    return engine.cdcLatency();
  });
}

/** Waits until the target holds exactly the source's rows. */
export async function waitForSameContent(source: TestDatabase, target: TestDatabase, tables?: string[]): Promise<Record<string, string>> {
  let last = "";
  return waitFor(
    "the target to hold exactly the source's rows",
    async () => {
      const [s, t] = await Promise.all([tableDigests(source, tables), tableDigests(target, tables)]);
      last = JSON.stringify({ source: s, target: t });
      return JSON.stringify(s) === JSON.stringify(t) ? s : undefined;
    },
    45_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last comparison ${last}`);
  });
}

/** Drops what a test's task left: the slot on the source (the engine leaves it, as DMS). */
export async function dropSlot(source: TestDatabase, slotName: string): Promise<void> {
  await waitFor("the slot to be free", async () => {
    const rows = await source.sql<{ active: boolean }>("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slotName]);
    if (rows.length === 0) return true;
    if (rows[0]?.active) return undefined;
    await source.sql("SELECT pg_drop_replication_slot($1)", [slotName]);
    return true;
  });
}

export interface Pair {
  source: TestDatabase;
  target: TestDatabase;
  config: ReplicationEngineConfig;
  engines: ReplicationEngine[];
}

/** Source and target databases with the app schema, and the engines a test made; cleaned up after each test. */
export class StandinFixture {
  private readonly pairs: Pair[] = [];

  async pair(options: { targetForeignKey?: boolean; customers?: number; orders?: number; settings?: Partial<StandinTaskSettings> } = {}): Promise<Pair> {
    const [source, target] = await Promise.all([freshDatabase("source", "standin"), freshDatabase("target", "standin")]);
    await source.sql(appSchema({ withForeignKey: true }));
    await target.sql(appSchema({ withForeignKey: options.targetForeignKey ?? false }));
    await seed(source, options.customers ?? 2_000, options.orders ?? 20_000);
    const p: Pair = { source, target, config: engineConfig(source, target, options.settings), engines: [] };
    this.pairs.push(p);
    return p;
  }

  /** A new task (CreateReplicationTask). */
  async engine(p: Pair, store: TaskStore = new MemoryTaskStore()): Promise<ReplicationEngine> {
    const e = await ReplicationEngine.create(p.config, { store, sampleIntervalMs: 200 });
    p.engines.push(e);
    return e;
  }

  /** The task as a restarted process finds it in `store`. */
  async reopen(p: Pair, store: TaskStore): Promise<ReplicationEngine> {
    const e = await ReplicationEngine.open(p.config, { store, sampleIntervalMs: 200 });
    if (!e) throw new Error("no task recorded in the store");
    p.engines.push(e);
    return e;
  }

  async cleanup(): Promise<void> {
    for (const p of this.pairs.splice(0)) {
      for (const e of p.engines) {
        await e.close();
      }
      await p.target.sql(`ALTER SUBSCRIPTION "${p.config.slotName}" DISABLE`).catch(() => undefined);
      await p.target.sql(`ALTER SUBSCRIPTION "${p.config.slotName}" SET (slot_name = NONE)`).catch(() => undefined);
      await p.target.sql(`DROP SUBSCRIPTION IF EXISTS "${p.config.slotName}"`).catch(() => undefined);
      await dropSlot(p.source, p.config.slotName);
      await Promise.all([p.source.drop(), p.target.drop()]);
    }
  }
}
