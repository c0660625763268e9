import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { RES } from "../../src/migration/aws/resources.js";
import { WalWatch, walGuardOptions, walStatus, walStatusLines, warnWalBeforeRestore } from "../../src/migration/wal-guard.js";
import { WAL_BUDGET_QUESTION } from "../../src/plan/wal-retention.js";
import { FakeClock } from "../support/aws/harness.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { testContext } from "../support/step-context.js";

let source: TestDatabase;
const slot = `wal_guard_${Math.random().toString(16).slice(2, 10)}`;

/** Writes about `mb` MB with synchronous_commit on (the test servers turn it off), so pg_current_wal_lsn() sees them. */
async function write(mb: number): Promise<void> {
  const c = new pg.Client({ connectionString: source.url });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = on");
    await c.query(`INSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, ${mb * 1000}) g`);
  } finally {
    await c.end();
  }
}

function contextWithSlot(clock: Clock) {
  const ctx = testContext({ sourceUrl: source.url, clock });
  ctx.state.resources[RES.slot] = { kind: "replication-slot", id: slot, createdByUs: true, recordedAt: clock.now().toISOString() };
  return ctx;
}

beforeEach(async () => {
  source = await freshDatabase("source", "walg");
  await source.sql("CREATE TABLE filler (id int, pad text)");
  await source.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
});
afterEach(async () => {
  await source.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [slot]);
  await source.drop();
});

describe("the WAL guard in a wait", () => {
  it("GIVEN a recorded slot nobody reads WHEN 10 MB are written between two rounds THEN the wait's line shows the WAL kept and its growth, and one warning says the disk is the only limit", async () => {
    const clock = new FakeClock();
    const ctx = contextWithSlot(clock);
    const watch = new WalWatch(ctx);
    try {
      await watch.look();
      await write(10);
      await clock.sleep(3600_000);
      const v = await watch.look();
      expect(v?.growthPerHour).toBeGreaterThanOrEqual(9 * 1024 * 1024);
      expect(watch.text).toMatch(/^ · WAL kept \d+(\.\d)? MB \+\d+(\.\d)? MB\/h$/);
      const warnings = ctx.reporter.lines.filter((l) => l.startsWith("! "));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("the source's disk is the only limit");
      expect(ctx.reporter.lines.some((l) => l.includes("ALTER SYSTEM SET max_slot_wal_keep_size"))).toBe(true);
    } finally {
      await watch.close();
    }
  });
});

describe("the WAL guard before the restore (task stopped)", () => {
  it("GIVEN the source writes while the guard samples THEN it warns with the current figure and the write rate", async () => {
    // A clock whose sleep is the source writing 5 MB in those seconds.
    const fake = new FakeClock();
    const clock: Clock = { now: () => fake.now(), sleep: async (ms, signal) => { await write(5); await fake.sleep(ms, signal); } };
    const ctx = contextWithSlot(clock);
    const v = await warnWalBeforeRestore(ctx, undefined, 2_000);
    expect(v?.level).toBe("warn");
    // 5 MB in 2 s is about 9 GB per hour.
    expect(v?.growthPerHour).toBeGreaterThan(8 * 1024 ** 3);
    expect(ctx.reporter.lines.find((l) => l.startsWith("! "))).toMatch(/^! The DMS task is stopped during the restore: the replication slot keeps .* of WAL on the source, \+\d+\.\d GB\/h; .*no estimate of the restore's length, so no projection\.$/);
  });
});

describe("the WAL guard in status", () => {
  it("GIVEN a recorded slot THEN its figure; GIVEN the slot gone THEN says so; GIVEN no connection THEN why", async () => {
    const ctx = contextWithSlot(new FakeClock());
    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString: source.url });
      await c.connect();
      return c;
    };
    const s = await walStatus(ctx.state, connect, new Date());
    expect(s?.level).toBe("warn");
    expect(walStatusLines(s!)[0]).toMatch(/^ {2}WARN: The replication slot keeps .* of WAL on the source; .* \(slot wal_guard_\w+\)$/);
    await source.sql("SELECT pg_drop_replication_slot($1)", [slot]);
    expect(walStatusLines((await walStatus(ctx.state, connect, new Date()))!)).toEqual([`  The slot ${slot} is no longer on the source.`]);
    const down = await walStatus(ctx.state, () => Promise.reject(new Error("connection refused")), new Date());
    expect(down?.notChecked).toBe("connection refused");
  });
});

describe("the WAL guard with a disk budget and a rate measured earlier", () => {
  it("GIVEN a rate the full load's wait measured THEN step 9's projection takes it without sampling again", async () => {
    const fake = new FakeClock();
    const clock: Clock = { now: () => fake.now(), sleep: () => Promise.reject(new Error("sampled although a rate was given")) };
    const ctx = contextWithSlot(clock);
    const v = await warnWalBeforeRestore(ctx, 2 * 3600_000, 2_000, 1024 ** 3);
    expect(v?.growthPerHour).toBe(1024 ** 3);
    expect(v?.message).toMatch(/would keep 2\.\d GB of WAL on the source at the end of the restore \(est\. ~2\.0 h\), \+1\.0 GB\/h/);
  });

  it("GIVEN source.walBudget recorded THEN status and the waits judge against it (the smaller limit)", async () => {
    const clock = new FakeClock();
    const ctx = contextWithSlot(clock);
    ctx.state.answers[WAL_BUDGET_QUESTION] = "1GB";
    expect(walGuardOptions(ctx.state)).toEqual({ diskBudgetBytes: 1024 ** 3 });
    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString: source.url });
      await c.connect();
      return c;
    };
    const s = await walStatus(ctx.state, connect, new Date());
    expect(s).toMatchObject({ level: "ok", limitBytes: 1024 ** 3 });
    expect(s?.fix).toBeUndefined();
    const watch = new WalWatch(ctx);
    try {
      expect((await watch.look())?.limitBytes).toBe(1024 ** 3);
      expect(watch.text).toMatch(/\(\d+% of limit\)$/);
    } finally {
      await watch.close();
    }
    // No budget, or none given: nothing but max_slot_wal_keep_size.
    ctx.state.answers[WAL_BUDGET_QUESTION] = "";
    expect(walGuardOptions(ctx.state)).toEqual({});
  });
});
