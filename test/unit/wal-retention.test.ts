import { describe, expect, it } from "vitest";
import { evaluateWalRetention, projectWalRetention, suggestedKeepSize, walGrowthPerHour, type WalReading } from "../../src/plan/wal-retention.js";

const MB = 1024 ** 2;
const GB = 1024 ** 3;
const t0 = new Date("2026-01-01T00:00:00Z");
const later = (ms: number): Date => new Date(t0.getTime() + ms);
const reading = (retainedBytes: number, extra: Partial<WalReading> = {}): WalReading => ({ at: t0, retainedBytes, ...extra });

describe("WAL retention verdict", () => {
  it("GIVEN a 10 GB keep size and 1 GB retained THEN ok, with the share in the message", () => {
    const v = evaluateWalRetention(reading(1 * GB, { maxKeepBytes: 10 * GB, safeWalBytes: 9 * GB, walStatus: "reserved" }));
    expect(v.level).toBe("ok");
    expect(v.limitBytes).toBe(10 * GB);
    expect(v.message).toBe("The replication slot keeps 1.0 GB of WAL on the source: 10% of max_slot_wal_keep_size (10.0 GB)");
  });

  it("GIVEN 50% of the keep size THEN warn, saying how much more before the slot loses WAL", () => {
    const v = evaluateWalRetention(reading(5 * GB, { maxKeepBytes: 10 * GB, safeWalBytes: 5 * GB, walStatus: "extended" }));
    expect(v.level).toBe("warn");
    expect(v.message).toContain("50% of max_slot_wal_keep_size (10.0 GB); 5.0 GB more before the slot loses WAL");
    expect(v.message).toContain("DMS must restart from the full load");
  });

  it("GIVEN 80% of the keep size THEN danger", () => {
    expect(evaluateWalRetention(reading(8 * GB, { maxKeepBytes: 10 * GB })).level).toBe("danger");
    expect(evaluateWalRetention(reading(7.9 * GB, { maxKeepBytes: 10 * GB })).level).toBe("warn");
  });

  it("GIVEN a disk budget smaller than the keep size THEN the budget is the limit", () => {
    const v = evaluateWalRetention(reading(3 * GB, { maxKeepBytes: 100 * GB }), undefined, { diskBudgetBytes: 4 * GB });
    expect(v.level).toBe("warn");
    expect(v.limitBytes).toBe(4 * GB);
    expect(v.message).toContain("75% of the disk budget (4.0 GB)");
  });

  it("GIVEN unlimited keep size and a budget THEN the budget decides", () => {
    expect(evaluateWalRetention(reading(900 * MB), undefined, { diskBudgetBytes: 1 * GB }).level).toBe("danger");
    expect(evaluateWalRetention(reading(100 * MB), undefined, { diskBudgetBytes: 1 * GB }).level).toBe("ok");
  });

  it("GIVEN unlimited keep size and no budget THEN a warning that the disk is the only limit, with the ALTER SYSTEM fix", () => {
    const v = evaluateWalRetention(reading(512 * MB));
    expect(v.level).toBe("warn");
    expect(v.message).toContain("max_slot_wal_keep_size = -1 (unlimited) and no disk budget: the source's disk is the only limit");
    expect(v.fix).toBe("ALTER SYSTEM SET max_slot_wal_keep_size = '10GB'; SELECT pg_reload_conf();");
    expect(v.limitBytes).toBeUndefined();
  });

  it("GIVEN wal_status lost THEN danger saying DMS cannot continue", () => {
    const v = evaluateWalRetention(reading(0, { maxKeepBytes: 10 * GB, walStatus: "lost" }));
    expect(v.level).toBe("danger");
    expect(v.message).toContain("wal_status = lost");
  });

  it("GIVEN wal_status unreserved THEN danger even under the share", () => {
    const v = evaluateWalRetention(reading(1 * GB, { maxKeepBytes: 10 * GB, walStatus: "unreserved" }));
    expect(v.level).toBe("danger");
    expect(v.message).toContain("unreserved");
  });

  it("GIVEN two readings an hour apart THEN the growth per hour is in the message", () => {
    const before = reading(1 * GB);
    const now = { ...reading(1.5 * GB, { maxKeepBytes: 10 * GB }), at: later(3600_000) };
    const v = evaluateWalRetention(now, before);
    expect(v.growthPerHour).toBe(0.5 * GB);
    expect(v.message).toContain("keeps 1.5 GB of WAL on the source, +512.0 MB/h:");
  });

  it("growth: none with one reading or readings out of order; per hour from 30 minutes", () => {
    expect(walGrowthPerHour(undefined, reading(1))).toBeUndefined();
    expect(walGrowthPerHour(reading(1), reading(2))).toBeUndefined();
    expect(walGrowthPerHour(reading(0), { ...reading(100 * MB), at: later(1800_000) })).toBe(200 * MB);
  });

  it("suggested keep size: at least 10 GB, twice the retention, or the budget", () => {
    expect(suggestedKeepSize(1 * GB)).toBe("10GB");
    expect(suggestedKeepSize(30 * GB)).toBe("60GB");
    expect(suggestedKeepSize(1 * GB, 50 * GB)).toBe("50GB");
  });
});

describe("WAL retention projected over the restore", () => {
  it("GIVEN 1 GB/h and a 6 h restore from 2 GB under a 10 GB keep size THEN danger at 8 GB", () => {
    const v = projectWalRetention(reading(2 * GB, { maxKeepBytes: 10 * GB }), 1 * GB, 6 * 3600_000);
    expect(v.level).toBe("danger");
    expect(v.message).toBe(
      "The replication slot would keep after ~6.0 h 8.0 GB of WAL on the source, +1.0 GB/h: 80% of max_slot_wal_keep_size (10.0 GB); past the limit the source drops the slot's WAL and DMS must restart from the full load (now 2.0 GB)",
    );
  });

  it("GIVEN a shrinking slot THEN the projection never falls below now", () => {
    expect(projectWalRetention(reading(2 * GB, { maxKeepBytes: 10 * GB }), -1 * GB, 6 * 3600_000).message).toContain("keep after ~6.0 h 2.0 GB");
  });

  it("GIVEN no estimate of the restore THEN the current figure and the growth rate, saying there is no projection", () => {
    const v = projectWalRetention(reading(2 * GB, { maxKeepBytes: 10 * GB }), 100 * MB, undefined);
    expect(v.level).toBe("ok");
    expect(v.message).toBe("The replication slot keeps 2.0 GB of WAL on the source, +100.0 MB/h: 20% of max_slot_wal_keep_size (10.0 GB); no estimate of the restore's length, so no projection");
  });
});
