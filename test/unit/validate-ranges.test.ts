import { describe, expect, it } from "vitest";
import { MIN_RANGE_BLOCKS, planRanges } from "../../src/validate/chunks.js";

/** Every block of a table of `blocks` blocks falls in exactly one range (and blocks past the end in the last). */
function coverage(ranges: { from?: number; to?: number }[], blocks: number): number[] {
  const hits = new Array<number>(blocks + 10).fill(0);
  for (const r of ranges) for (let b = 0; b < hits.length; b += 1) if ((r.from ?? 0) <= b && (r.to === undefined || b < r.to)) hits[b]! += 1;
  return hits;
}

describe("block ranges of the checksum", () => {
  it("GIVEN one table holding most of a side's blocks and 2 jobs WHEN planned THEN it is split into ranges that cover every block once, open at both ends", () => {
    const big = 150_000;
    const [bigRanges, small] = planRanges([big, 6_000], 2);
    expect(bigRanges!.length).toBeGreaterThanOrEqual(4);
    expect(bigRanges![0]!.from).toBeUndefined();
    expect(bigRanges!.at(-1)!.to).toBeUndefined();
    expect(new Set(coverage(bigRanges!, big))).toEqual(new Set([1]));
    expect(small).toEqual([{}]);
  });

  it("GIVEN one job, or no sizes (a server before 14) WHEN planned THEN every table is read whole", () => {
    expect(planRanges([150_000, 20_000], 1)).toEqual([[{}], [{}]]);
    expect(planRanges([undefined, undefined], 4)).toEqual([[{}], [{}]]);
    expect(planRanges([2 * MIN_RANGE_BLOCKS - 1], 8)).toEqual([[{}]]);
  });
});
