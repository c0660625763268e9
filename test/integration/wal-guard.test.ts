import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { RES } from "../../src/migration/aws/resources.js";
import { statusReport } from "../../src/commands/status.js";
import { walStatusLines } from "../../src/commands/status-readings.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { WalWatch, walGuardOptions, warnWalBeforeRestore } from "../../src/migration/wal-guard.js";
import { WAL_BUDGET_QUESTION } from "../../src/plan/wal-retention.js";
import { STEP_TITLES } from "../../src/wizard/step-titles.js";
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
    expect(readOutput(ctx, "source-watch")?.wal).toMatchObject({ slot, level: "warn", growthPerHour: v?.growthPerHour });
    // 5 MB in 2 s is about 9 GB per hour.
    expect(v?.growthPerHour).toBeGreaterThan(8 * 1024 ** 3);
    expect(ctx.reporter.lines.find((l) => l.startsWith("! "))).toMatch(/^! The DMS task is stopped during the restore: the replication slot keeps .* of WAL on the source, \+\d+\.\d GB\/h; .*no estimate of the restore's length, so no projection\.$/);
  });
});

describe("the WAL guard in status", () => {
  it("GIVEN the wait read the slot THEN status shows that reading with its age, without connecting; GIVEN the slot gone at the next round THEN says so", async () => {
    const clock = new FakeClock();
    const ctx = contextWithSlot(clock);
    for (const id of STEP_TITLES.map((t) => t.id).slice(0, 10)) ctx.state.steps[id] = { status: "done", attempts: 1, findings: [] };
    ctx.state.steps["sync-wait"] = { status: "running", attempts: 1, findings: [] };
    const watch = new WalWatch(ctx);
    try {
      await watch.look();
      await write(5);
      await clock.sleep(600_000);
      await watch.look();
      const recorded = readOutput(ctx, "source-watch")?.wal;
      expect(recorded).toMatchObject({ slot, by: "sync-wait", level: "warn", at: clock.now().toISOString() });
      expect(recorded?.growthPerHour).toBeGreaterThan(0);
      expect(recorded?.retainedBytes).toBeGreaterThan(4 * 1024 * 1024);

      // Three minutes later, with the source unreachable: status needs no connection.
      ctx.state.answers["source.url"] = "postgres://nobody@127.0.0.1:1/none";
      const later = new Date(clock.now().getTime() + 180_000);
      const report = statusReport(ctx.state, "/tmp/m.state.json", undefined, later);
      expect(report.walRetention).toMatchObject({ slot, ageSeconds: 180, by: "sync-wait", level: "warn" });
      const lines = walStatusLines(report.walRetention!, later);
      expect(lines[0]).toMatch(/^ {2}WARN: The replication slot keeps .* of WAL on the source, \+.*\/h; .* \(slot wal_guard_\w+\)$/);
      expect(lines[1]).toMatch(/^ {2}As of \d\d:\d\d UTC, 3 min ago, read by the sync wait\.$/);
      expect(lines.at(-1)).toBe("  Fresh reading: `aurora-migrate resume --state /tmp/m.state.json` (the waits read it every round)");

      await source.sql("SELECT pg_drop_replication_slot($1)", [slot]);
      await watch.look();
      expect(walStatusLines(statusReport(ctx.state, "/tmp/m.state.json", undefined, later).walRetention!, later)[0]).toMatch(/^ {2}The slot wal_guard_\w+ was no longer on the source \(as of .*\)\.$/);
    } finally {
      await watch.close();
    }
  });
});

describe("the WAL guard with a disk budget", () => {
  it("GIVEN source.walBudget recorded THEN status and the waits judge against it (the smaller limit)", async () => {
    const clock = new FakeClock();
    const ctx = contextWithSlot(clock);
    ctx.state.answers[WAL_BUDGET_QUESTION] = "1GB";
    expect(walGuardOptions(ctx.state)).toEqual({ diskBudgetBytes: 1024 ** 3 });
    const watch = new WalWatch(ctx);
    try {
      expect((await watch.look())?.limitBytes).toBe(1024 ** 3);
      expect(watch.text).toMatch(/\(\d+% of limit\)$/);
      // What status shows is the reading as judged against the budget.
      expect(statusReport(ctx.state, "/tmp/m.state.json", undefined, new Date()).walRetention).toMatchObject({ level: "ok", limitBytes: 1024 ** 3 });
    } finally {
      await watch.close();
    }
    // No budget, or none given: nothing but max_slot_wal_keep_size.
    ctx.state.answers[WAL_BUDGET_QUESTION] = "";
    expect(walGuardOptions(ctx.state)).toEqual({});
  });
});
