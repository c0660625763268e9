import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { type TestDatabase, freshDatabase } from "./databases.js";
import { type PgServer, startPgServer } from "./pg-server.js";
import { replicate } from "./replication.js";

/** What a cutover test works on; set again before each test. */
export interface CutoverWorld {
  /** A server of its own: the freeze changes server-wide roles. */
  source: PgServer;
  /** A fresh database on the shared target server. */
  target: TestDatabase;
  /** The source database's name. */
  db: string;
  /** A temp folder for the hooks' files. */
  dir: string;
}

/**
 * Registers the hooks of a cutover test file: a source server of its own with the app's role
 * `shop`; before each test a database `<prefix><n>` on it with `orders` (bigserial key), a fresh
 * target, a logical-replication subscription carrying changes across as DMS's CDC would, the app
 * role and its privileges on the target (as step 9 leaves them), and, with `seedRows`, that
 * many rows written on the source and seen on the target. `use` gets the world before each test.
 */
export function useCutoverWorld(name: string, prefix: string, use: (w: CutoverWorld) => void, o: { seedRows?: number } = {}): void {
  let source: PgServer | undefined;
  let stream: { stop(): Promise<void> } | undefined;
  let target: TestDatabase | undefined;
  let dir: string | undefined;
  let n = 0;
  beforeAll(async () => {
    source = await startPgServer({ name });
    await source.sql("CREATE ROLE shop LOGIN");
  });
  afterAll(async () => {
    await source?.stop();
  });
  beforeEach(async () => {
    n += 1;
    const db = `${prefix}${n}`;
    await source!.createDatabase(db);
    target = await freshDatabase("target", prefix.slice(0, 4));
    dir = mkdtempSync(join(tmpdir(), `${name}-`));
    stream = await replicate({
      sourceUrl: source!.url(db),
      sourcePort: source!.port,
      sourceDb: db,
      targetUrl: target.url,
      ddl: "CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL)",
      tables: ["orders"],
      name: `sub_${target.name}`,
    });
    await source!.sql("GRANT ALL ON orders, orders_id_seq TO shop", db);
    // As step 9 leaves it: the app's role exists on the target (server-wide, so only if missing) with its privileges.
    await target.sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shop') THEN CREATE ROLE shop LOGIN; END IF; END $$");
    await target.sql("GRANT ALL ON orders, orders_id_seq TO shop");
    if (o.seedRows) {
      await source!.sql(`INSERT INTO orders (note) SELECT 'row ' || g FROM generate_series(1, ${o.seedRows}) g`, db);
      for (let i = 0; i < 400 && (await target.sql<{ n: string }>("SELECT count(*) AS n FROM orders"))[0]?.n !== String(o.seedRows); i += 1) await new Promise((r) => setTimeout(r, 25));
    }
    use({ source: source!, target, db, dir });
  });
  afterEach(async () => {
    await stream?.stop();
    await target?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
