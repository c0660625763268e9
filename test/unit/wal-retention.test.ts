import { describe, expect, it } from "vitest";
import { ASSUMED_BUILD_BYTES_PER_SECOND, estimateRestoreMs, evaluateWalRetention, hours, parseWalBudget, projectWalRetention, suggestedKeepSize, walGrowthPerHour, type WalReading } from "../../src/plan/wal-retention.js";

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
      "The replication slot would keep 8.0 GB of WAL on the source at the end of the restore (est. ~6.0 h), +1.0 GB/h: 80% of max_slot_wal_keep_size (10.0 GB); past the limit the source drops the slot's WAL and DMS must restart from the full load (now 2.0 GB)",
    );
  });

  it("GIVEN a shrinking slot THEN the projection never falls below now", () => {
    expect(projectWalRetention(reading(2 * GB, { maxKeepBytes: 10 * GB }), -1 * GB, 6 * 3600_000).message).toContain("would keep 2.0 GB of WAL on the source at the end of the restore (est. ~6.0 h)");
  });

  it("GIVEN no estimate of the restore THEN the current figure and the growth rate, saying there is no projection", () => {
    const v = projectWalRetention(reading(2 * GB, { maxKeepBytes: 10 * GB }), 100 * MB, undefined);
    expect(v.level).toBe("ok");
    expect(v.message).toBe("The replication slot keeps 2.0 GB of WAL on the source, +100.0 MB/h: 20% of max_slot_wal_keep_size (10.0 GB); no estimate of the restore's length, so no projection");
  });
});

describe("the disk budget the user gives (source.walBudget, --wal-budget)", () => {
  it("reads sizes in powers of 1024; empty, none or 0 is no budget; anything else is refused with an example", () => {
    expect(parseWalBudget("200GB")).toEqual({ ok: true, bytes: 200 * GB });
    expect(parseWalBudget(" 1.5 tb ")).toEqual({ ok: true, bytes: 1.5 * 1024 * GB });
    expect(parseWalBudget("500MB")).toEqual({ ok: true, bytes: 500 * MB });
    for (const none of ["", "none", "0", "0GB"]) expect(parseWalBudget(none)).toEqual({ ok: true, bytes: undefined });
    for (const bad of ["200", "lots", "-5GB", "5 PB"]) {
      const p = parseWalBudget(bad);
      expect(p.ok || p.problem).toBe(`expected a size such as 200GB or 1.5TB (or empty for none), got ${JSON.stringify(bad)}`);
    }
  });

  it("GIVEN a budget smaller than max_slot_wal_keep_size THEN the budget is the limit; GIVEN no keep size THEN the budget alone, with no fix", () => {
    const withKeep = evaluateWalRetention(reading(9 * GB, { maxKeepBytes: 100 * GB }), undefined, { diskBudgetBytes: 10 * GB });
    expect(withKeep).toMatchObject({ level: "danger", limitBytes: 10 * GB });
    expect(withKeep.message).toContain("90% of the disk budget (10.0 GB)");
    const alone = evaluateWalRetention(reading(2 * GB), undefined, { diskBudgetBytes: 10 * GB });
    expect(alone).toMatchObject({ level: "ok", limitBytes: 10 * GB });
    expect(alone.fix).toBeUndefined();
  });

  it("GIVEN a projection under a budget THEN the verdict is against the budget", () => {
    // 2 GB now + 1 GB/h over 4 h = 6 GB: 60% of a 10 GB budget (warn), though only 6% of a 100 GB keep size.
    const v = projectWalRetention(reading(2 * GB, { maxKeepBytes: 100 * GB }), 1 * GB, 4 * 3600_000, { diskBudgetBytes: 10 * GB });
    expect(v.level).toBe("warn");
    expect(v.message).toContain("would keep 6.0 GB of WAL on the source at the end of the restore (est. ~4.0 h), +1.0 GB/h: 60% of the disk budget (10.0 GB)");
  });
});

describe("the restore's estimated length (projection input)", () => {
  const rate = ASSUMED_BUILD_BYTES_PER_SECOND;
  it("is the builds' bytes spread over the jobs at the assumed rate, never shorter than the largest build", () => {
    expect(estimateRestoreMs([], 3)).toBe(0);
    // Four builds of 100 units, 2 at a time: 200 units per lane.
    expect(estimateRestoreMs([100 * rate, 100 * rate, 100 * rate, 100 * rate], 2)).toBe(200_000);
    // One big table decides: 1000 s although 4 jobs would share 1300 s of work.
    expect(estimateRestoreMs([1000 * rate, 100 * rate, 100 * rate, 100 * rate], 4)).toBe(1000_000);
    // More jobs than builds: each build its own lane.
    expect(estimateRestoreMs([10 * rate], 8)).toBe(10_000);
    expect(estimateRestoreMs([10 * MB], 1, 1 * MB)).toBe(10_000);
  });

  it("projection = now + rate × estimate: 50 GB of builds at 25 MB/s, 1 job, 3 GB/h from 1 GB", () => {
    const ms = estimateRestoreMs([50 * GB], 1);
    expect(hours(ms)).toBe("34 min");
    const v = projectWalRetention(reading(1 * GB, { maxKeepBytes: 4 * GB }), 3 * GB, ms);
    // 1 GB + 3 GB/h × 2048 s = 2.71 GB: 68% of 4 GB.
    expect(v.level).toBe("warn");
    expect(v.message).toContain("would keep 2.7 GB of WAL on the source at the end of the restore (est. ~34 min), +3.0 GB/h: 68% of max_slot_wal_keep_size (4.0 GB)");
  });
});
