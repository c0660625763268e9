import { describe, expect, it } from "vitest";
import { cutoverVerdict } from "../../src/migration/cutover/preconditions.js";
import { exactCountDifferences, lagTolerance, tolerantCountProblems } from "../../src/migration/cutover/row-counts.js";

const ready = { taskStatus: "running", cdcLatencySeconds: 2, latencyThresholdSeconds: 10, markerTableOnTarget: true };

describe("row counts before the freeze (tolerant)", () => {
  it("GIVEN a target a few rows behind a source the app writes to THEN the cutover may start", () => {
    const v = cutoverVerdict({ ...ready, rowCounts: [{ table: "app.orders", source: 120_040, target: 120_007 }, { table: "app.items", source: 10, target: 10 }] });
    expect(v).toEqual({ ready: true, problems: [], notes: [] });
  });

  it("GIVEN a table missing, one empty far behind, and one far behind on the target THEN each blocks with its figures", () => {
    const problems = tolerantCountProblems([
      { table: "app.gone", source: 3, target: undefined },
      { table: "app.new", source: 12, target: 0 },
      { table: "app.empty", source: 1500, target: 0 },
      { table: "app.big", source: 500_000, target: 490_000 },
      { table: "app.ok", source: 500_000, target: 496_000 },
    ]);
    expect(problems).toEqual([
      "app.gone: missing on the target",
      "app.empty: source 1500, target 0 (1500 apart, more than the 1000 CDC lag can explain)",
      "app.big: source 500000, target 490000 (10000 apart, more than the 5000 CDC lag can explain)",
    ]);
  });

  it("GIVEN small and large tables THEN the lag bound is 1000 rows or 1 % of the table, whichever is larger", () => {
    expect([lagTolerance(0), lagTolerance(100_000), lagTolerance(250_001)]).toEqual([1000, 1000, 2501]);
  });

  it("GIVEN tolerant counts that are off THEN the verdict blocks and points at --skip-validation", () => {
    const v = cutoverVerdict({ ...ready, rowCounts: [{ table: "app.orders", source: 5000, target: 1000 }] });
    expect(v.ready).toBe(false);
    expect(v.problems[0]).toContain("app.orders: source 5000, target 1000");
    expect(v.problems[0]).toContain("--skip-validation");
  });
});

describe("row counts after the drain (exact)", () => {
  it("GIVEN one row of difference or a missing table THEN each is a difference", () => {
    expect(
      exactCountDifferences([
        { table: "app.a", source: 10, target: 10 },
        { table: "app.b", source: 10, target: 9 },
        { table: "app.c", source: 1, target: undefined },
      ]),
    ).toEqual(["app.b: source 10, target 9", "app.c: missing on the target"]);
  });
});
