import { describe, expect, it } from "vitest";
import { adviceText, adviseInstanceClass } from "../../src/plan/instance-advice.js";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

describe("replication instance advice", () => {
  it.each([
    [2 * GIB, "dms.t3.medium"],
    [15 * GIB, "dms.r5.large"],
    [300 * GIB, "dms.r5.xlarge"],
    [1500 * GIB, "dms.r5.2xlarge"],
    [5000 * GIB, "dms.r5.4xlarge"],
  ])("GIVEN a %d-byte database THEN %s", (bytes, expected) => {
    expect(adviseInstanceClass({ databaseBytes: bytes, largestTableBytes: Math.min(bytes / 4, 50 * GIB), maxLobBytes: 0 }).instanceClass).toBe(expected);
  });

  it("GIVEN a small database with 300 MB LOB values THEN one size up, and the reason says why", () => {
    const advice = adviseInstanceClass({ databaseBytes: 2 * GIB, largestTableBytes: GIB, maxLobBytes: 300 * MIB });
    expect(advice.instanceClass).toBe("dms.r5.large");
    expect(advice.reason).toContain("LOB values up to 300 MiB");
  });

  it("GIVEN one 400 GiB table in a 450 GiB database THEN one size up for its long load", () => {
    const advice = adviseInstanceClass({ databaseBytes: 450 * GIB, largestTableBytes: 400 * GIB, maxLobBytes: 0 });
    expect(advice.instanceClass).toBe("dms.r5.2xlarge");
    expect(advice.reason).toContain("largest table (400 GiB)");
  });

  it("GIVEN the 15 GB database of the hand write-up THEN not the burstable class it took 5 hours on", () => {
    expect(adviseInstanceClass({ databaseBytes: 15e9, largestTableBytes: 5e9, maxLobBytes: MIB }).instanceClass).not.toMatch(/^dms\.t/);
  });

  it("GIVEN a small database WHEN step 4 prints the advice THEN the class is named once, with what it is and why", () => {
    const text = adviceText(adviseInstanceClass({ databaseBytes: 3 * MIB, largestTableBytes: MIB, maxLobBytes: 0 }));
    expect(text).toBe("dms.t3.medium (2 vCPU, 4 GiB, burstable), because database 3.0 MiB");
    expect(text.match(/dms\.t3\.medium/g)).toHaveLength(1);
  });

  it("GIVEN a reason recorded by an older version (ending in the class) WHEN printed THEN the class is still named once", () => {
    expect(adviceText({ instanceClass: "dms.r5.large", reason: "database 20 GiB: dms.r5.large (2 vCPU, 16 GiB)" })).toBe("dms.r5.large (2 vCPU, 16 GiB), because database 20 GiB");
    // The fallback's own reasons (no ladder class details) stay as they are.
    expect(adviceText({ instanceClass: "dms.c5.large", reason: "the database size is unknown, so a mid-size compute class" })).toBe("dms.c5.large, because the database size is unknown, so a mid-size compute class");
  });
});
