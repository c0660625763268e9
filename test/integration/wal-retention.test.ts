import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readWalRetention } from "../../src/adapters/postgres/wal-retention.js";
import { evaluateWalRetention } from "../../src/plan/wal-retention.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";

const MB = 1024 ** 2;

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // The test servers run with synchronous_commit off; production's default (on) writes the WAL out at commit, where pg_current_wal_lsn() sees it.
  await c.query("SET synchronous_commit = on");
  return c;
}

/** About `mb` MB of table data, hence at least as much WAL. */
const WRITE = (mb: number): string => `INSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, ${mb * 1000}) g`;

describe("the WAL a slot with no consumer keeps (shared source, max_slot_wal_keep_size unlimited)", () => {
  let source: TestDatabase;
  const slot = `wal_guard_${Math.random().toString(16).slice(2, 10)}`;
  beforeEach(async () => {
    source = await freshDatabase("source", "wal");
    await source.sql("CREATE TABLE filler (id int, pad text)");
  });
  afterEach(async () => {
    await source.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [slot]);
    await source.drop();
  });

  it("GIVEN a logical slot nobody reads WHEN 20 MB are written THEN the retained bytes grow by at least that, and the verdict says the disk is the only limit", async () => {
    await source.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
    const c = await client(source.url);
    try {
      const before = await readWalRetention(c, slot, new Date(0));
      expect(before).toBeDefined();
      await c.query(WRITE(20));
      const after = await readWalRetention(c, slot, new Date(3600_000));
      // The WAL holds every row written: at least nine tenths of the table's size on disk (pages are not full).
      const tableBytes = Number((await c.query<{ n: string }>("SELECT pg_relation_size('filler')::text AS n")).rows[0]!.n);
      expect(tableBytes).toBeGreaterThanOrEqual(18 * MB);
      expect(after!.retainedBytes - before!.retainedBytes).toBeGreaterThanOrEqual(tableBytes * 0.9);
      expect(after!.maxKeepBytes).toBeUndefined();
      const verdict = evaluateWalRetention(after!, before);
      expect(verdict.level).toBe("warn");
      expect(verdict.growthPerHour).toBe(after!.retainedBytes - before!.retainedBytes);
      expect(verdict.fix).toMatch(/^ALTER SYSTEM SET max_slot_wal_keep_size = '\d+GB'/);
    } finally {
      await c.end();
    }
  });

  it("GIVEN no such slot THEN no reading", async () => {
    const c = await client(source.url);
    try {
      expect(await readWalRetention(c, "no_such_slot", new Date())).toBeUndefined();
    } finally {
      await c.end();
    }
  });
});

describe("the WAL a slot keeps under max_slot_wal_keep_size (own server)", () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPgServer({ name: "wal-guard", settings: { max_slot_wal_keep_size: "64MB", wal_keep_size: 0, max_wal_size: "64MB", min_wal_size: "32MB" } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("GIVEN a 64 MB keep size WHEN ~40 MB are written with the slot unread THEN the reading carries the limit, safe_wal_size and wal_status, and the verdict is at least a warning", async () => {
    const url = await server.createDatabase("walguard");
    const c = await client(url);
    try {
      await c.query("CREATE TABLE filler (id int, pad text)");
      await c.query("SELECT pg_create_logical_replication_slot('dms_like', 'test_decoding')");
      await c.query(WRITE(40));
      const r = await readWalRetention(c, "dms_like", new Date());
      expect(r!.maxKeepBytes).toBe(64 * MB);
      expect(r!.retainedBytes).toBeGreaterThanOrEqual(32 * MB);
      expect(r!.walStatus).toMatch(/^(reserved|extended|unreserved)$/);
      expect(r!.safeWalBytes).toBeLessThanOrEqual(64 * MB - 40 * MB + 16 * MB);
      const verdict = evaluateWalRetention(r!);
      expect(["warn", "danger"]).toContain(verdict.level);
      expect(verdict.message).toContain("of max_slot_wal_keep_size (64.0 MB)");
    } finally {
      await c.end();
    }
  });
});
