/**
 * The demo's app: a light, steady write load (inserts and updates in every table with a
 * sequence, a delete now and then) made through the app's own role, as a real app would. It
 * retries through the cutover's write freeze (its sessions are ended and its access revoked
 * for a moment), and moves to the target when the switch hook writes the new database URL to
 * the switch file: what "point the app at the new database" means for this app.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { type PgClient, connectPg } from "../../adapters/postgres/connect.js";
import { type PgLocation, parsePgUrl } from "../../adapters/postgres/url.js";
import { APP_ROLE } from "./schema.js";

/** What the app does once the switch hook has pointed it at the target. */
export type AfterSwitch = "write" | "hold" | "stop";

export interface AppLoadOptions {
  /** The source database (its host, port, database and sslmode; the app logs in as APP_ROLE). */
  sourceUrl: string;
  /** The file the switch hook writes the target's URL to. */
  switchFile: string;
  /** Pause between transactions (ms). Default 100 (about 10 a second). */
  intervalMs?: number;
  /** Default "write": carry on on the target. "hold": wait for release(); "stop": write no more. */
  afterSwitch?: AfterSwitch;
  /** Password of the app's role, if its servers want one (memory only). */
  password?: string;
  onEvent?: (text: string) => void;
}

export interface SideStats {
  transactions: number;
  /** Rows inserted, updated or deleted by committed transactions. */
  rows: number;
}

export interface AppLoadStats {
  source: SideStats;
  target: SideStats;
  /** Attempts that failed (freeze, a restarted server) and were retried. */
  retries: number;
  lastSourceCommit?: Date;
  switchSeenAt?: Date;
  firstTargetCommit?: Date;
  /** The switch-back hook pointed the app at the old server again (demo --rollback): it stopped writing then. */
  switchedBackAt?: Date;
}

export class AppLoad {
  readonly stats: AppLoadStats = { source: { transactions: 0, rows: 0 }, target: { transactions: 0, rows: 0 }, retries: 0 };
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private releaseHold: (() => void) | undefined;
  private readonly held: Promise<void>;
  private side: "source" | "target" | "back" = "source";
  /** The URL the switch hook wrote: another one later is the switch-back hook's. */
  private targetText: string | undefined;

  constructor(private readonly o: AppLoadOptions) {
    this.held = new Promise((resolve) => (this.releaseHold = resolve));
  }

  /** Where the app writes now ("back": pointed at the old server again by a rollback, it writes no more). */
  get writingTo(): "source" | "target" | "back" {
    return this.side;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.o.onEvent?.(`the app stopped: ${(err as Error).message}`);
    });
  }

  /** Lets a held app ("hold") start writing on the target. */
  release(): void {
    this.releaseHold?.();
  }

  /** Resolves once the app has committed `n` transactions on the target (or after `timeoutMs`). */
  async targetTransactions(n: number, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.stats.target.transactions < n && Date.now() < until && !this.abort.signal.aborted) await delay(100);
    return this.stats.target.transactions >= n;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.release();
    await this.loop;
  }

  private async location(): Promise<PgLocation> {
    const switched = await readFile(this.o.switchFile, "utf8").then(
      (t) => t.trim(),
      () => "",
    );
    if (switched && this.side === "source") {
      this.side = "target";
      this.targetText = switched;
      this.stats.switchSeenAt = new Date();
      this.o.onEvent?.("the app read the new database URL and is moving to the target");
    } else if (switched && this.side === "target" && switched !== this.targetText) {
      // The switch-back: the app stops there, so the demo can compare both servers.
      this.side = "back";
      this.stats.switchedBackAt = new Date();
      this.o.onEvent?.("the app read the old server's URL again (switched back) and stops writing, so both servers can be compared");
    }
    const { location } = parsePgUrl(switched || this.o.sourceUrl);
    return { ...location, user: APP_ROLE };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let client: PgClient | undefined;
    let connectedTo: string | undefined;
    let backoff = 100;
    let reportedTargetFailure = false;
    let onTarget = false;
    try {
      while (!signal.aborted) {
        const loc = await this.location();
        if (this.side === "back") return;
        const key = `${loc.host}:${loc.port}/${loc.database}`;
        if (connectedTo !== key) {
          await client?.end().catch(() => undefined);
          client = undefined;
          // Also when the app starts already switched (a resumed demo): "stop" and "hold" hold there too.
          if (this.side === "target" && !onTarget) {
            if (this.o.afterSwitch === "stop") return;
            if (this.o.afterSwitch === "hold") await this.held;
            if (signal.aborted) return;
            onTarget = true;
          }
          connectedTo = key;
        }
        const side = this.side;
        try {
          client ??= await connectPg(loc, this.o.password, { applicationName: "demo-app", connectTimeoutMs: 3000 });
          const rows = await transaction(client, this.stats[side].transactions === 0);
          this.stats[side].transactions += 1;
          this.stats[side].rows += rows;
          if (side === "source") this.stats.lastSourceCommit = new Date();
          else this.stats.firstTargetCommit ??= new Date();
          backoff = 100;
        } catch (err) {
          // The freeze ends our sessions and takes our access away for a moment: retry, as apps do.
          this.stats.retries += 1;
          if (side === "target" && this.stats.target.transactions === 0 && !reportedTargetFailure) {
            reportedTargetFailure = true;
            this.o.onEvent?.(`a write on the target failed, retrying: ${(err as Error).message}`);
          }
          await client?.end().catch(() => undefined);
          client = undefined;
          await delay(backoff, undefined, { signal }).catch(() => undefined);
          backoff = Math.min(1000, backoff * 2);
          continue;
        }
        await delay(this.o.intervalMs ?? 100, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      await client?.end().catch(() => undefined);
    }
  }
}

const random = (n: number): number => 1 + Math.floor(Math.random() * n);
const REGIONS = ["eu", "us", "apac", "latam"];

/**
 * The customer's cart: created when missing, or its token rotated (a new primary key value,
 * as apps do on login; DMS ignores such an UPDATE) and then its items changed under the new
 * token (an UPDATE DMS cannot find on the target). Returns the rows changed.
 */
async function touchCart(c: PgClient, customer: number, product: number): Promise<number> {
  const token = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const item = JSON.stringify([{ product, qty: random(3) }]);
  const rotated = await c.query<{ token: string }>(
    "UPDATE app.carts SET token = $1, updated_at = now() WHERE token = (SELECT token FROM app.carts WHERE customer_id = $2 ORDER BY token LIMIT 1) RETURNING token",
    [token, customer],
  );
  if ((rotated.rowCount ?? 0) === 0) {
    await c.query("INSERT INTO app.carts (token, customer_id, items) VALUES ($1, $2, $3)", [token, customer, item]);
    return 1;
  }
  await c.query("UPDATE app.carts SET items = items || $2::jsonb WHERE token = $1", [token, item]);
  return 2;
}

/**
 * One business transaction; returns the rows it changed. `everyTable` makes it insert into
 * every table with a sequence (the first write on a database: any id collision shows at once).
 */
async function transaction(c: PgClient, everyTable: boolean): Promise<number> {
  let rows = 0;
  await c.query("BEGIN");
  try {
    const max = await c.query<{ customers: number; products: number; orders: string }>(
      "SELECT (SELECT max(id) FROM app.customers) AS customers, (SELECT max(id) FROM app.products) AS products, (SELECT max(id) FROM app.orders)::text AS orders",
    );
    const m = max.rows[0] ?? { customers: 1, products: 1, orders: "1" };
    let customer = random(m.customers ?? 1);
    if (everyTable || Math.random() < 0.2) {
      const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      const r = await c.query<{ id: number }>("INSERT INTO app.customers (email, name, profile) VALUES ($1, $2, $3) RETURNING id", [
        `buyer-${tag}@example.com`,
        `Buyer ${tag}`,
        JSON.stringify({ tier: "free", source: "demo-app", signup: new Date().toISOString() }),
      ]);
      customer = r.rows[0]?.id ?? customer;
      rows += 1;
    }
    let product = random(Math.min(m.products ?? 1, 200));
    if (everyTable || Math.random() < 0.05) {
      const r = await c.query<{ id: number }>("INSERT INTO app.products (sku, title, price) VALUES ($1, $2, $3) RETURNING id", [
        `SKU-D${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
        "New product",
        (random(9000) / 100).toFixed(2),
      ]);
      product = r.rows[0]?.id ?? product;
      rows += 1;
    }
    const order = await c.query<{ id: string }>("INSERT INTO app.orders (customer_id) VALUES ($1) RETURNING id::text", [customer]);
    const orderId = order.rows[0]?.id ?? "0";
    const lines = everyTable ? 1 : random(3);
    for (let i = 0; i < lines; i++) {
      await c.query("INSERT INTO app.order_lines (order_id, product_id, qty, price) SELECT $1, id, $2, price FROM app.products WHERE id = $3", [orderId, random(4), i === 0 ? product : random(200)]);
    }
    await c.query("UPDATE app.orders SET total = (SELECT coalesce(sum(qty * price), 0) FROM app.order_lines WHERE order_id = $1), status = 'paid' WHERE id = $1", [orderId]);
    rows += 2 + lines;
    if (everyTable || Math.random() < 0.5) {
      await c.query("INSERT INTO app.invoices (order_id) VALUES ($1)", [orderId]);
      rows += 1;
    }
    if (everyTable || Math.random() < 0.3) {
      const shipped = everyTable ? orderId : String(random(Number(m.orders ?? "1")));
      const r = await c.query("UPDATE app.orders SET status = 'shipped' WHERE id = $1 AND status = 'paid'", [shipped]);
      rows += r.rowCount ?? 0;
      if (everyTable || (r.rowCount ?? 0) > 0) {
        // Into the partitioned table: the row lands in its region's partition.
        await c.query("INSERT INTO app.shipments (region, order_id) VALUES ($1, $2)", [REGIONS[random(REGIONS.length) - 1], shipped]);
        rows += 1;
      }
    }
    rows += await touchCart(c, customer, product);
    if (Math.random() < 0.1) {
      const r = await c.query("DELETE FROM app.order_lines WHERE id = (SELECT min(id) FROM app.order_lines WHERE order_id = $1)", [String(random(Number(m.orders ?? "1")))]);
      rows += r.rowCount ?? 0;
    }
    await c.query("COMMIT");
    return rows;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
