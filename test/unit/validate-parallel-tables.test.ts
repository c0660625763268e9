import { describe, expect, it } from "vitest";
import { MIN_PARALLEL_BLOCKS, parallelTables } from "../../src/migration/validate/parallel-tables.js";

describe("which tables validate reads with parallel workers", () => {
  it("GIVEN one table holding 89 % of a side's blocks and --jobs 2 WHEN planned THEN that table alone gets workers", () => {
    expect(parallelTables([178_000, 8_000, 8_000, 6_000], 2)).toEqual([true, false, false, false]);
  });

  it("GIVEN tables of even size WHEN planned THEN none gets workers: the sessions share them", () => {
    expect(parallelTables([50_000, 50_000, 50_000, 50_000], 4)).toEqual([false, false, false, false]);
  });

  it("GIVEN --jobs 1, no sizes (a server before 12) or a small table WHEN planned THEN no table gets workers", () => {
    expect(parallelTables([178_000, 8_000], 1)).toEqual([false, false]);
    expect(parallelTables([undefined, undefined], 4)).toEqual([false, false]);
    expect(parallelTables([MIN_PARALLEL_BLOCKS - 1, 10], 4)).toEqual([false, false]);
  });
});
