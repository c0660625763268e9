import { describe, expect, it } from "vitest";
import { planSequenceSync } from "../../src/migration/sequences/plan.js";
import type { SequenceInfo, TargetSequenceInfo } from "../../src/migration/sequences/types.js";

const BOUNDS = { min: -(2n ** 63n), max: 2n ** 63n - 1n, cycle: false };
const src = (lastValue: bigint, isCalled = true, increment = 1n, over: Partial<SequenceInfo> = {}): SequenceInfo => ({
  schema: "public",
  name: "s",
  increment,
  ...BOUNDS,
  state: { lastValue, isCalled },
  ...over,
});
const tgt = (lastValue: bigint, isCalled: boolean, increment = 1n, columnExtreme?: bigint, over: Partial<TargetSequenceInfo> = {}): TargetSequenceInfo => ({
  schema: "public",
  name: "s",
  increment,
  ...BOUNDS,
  ...over,
  state: { lastValue, isCalled },
  feeds: [],
  ...(columnExtreme === undefined ? {} : { columnExtreme }),
});

describe("planSequenceSync (pure)", () => {
  it("GIVEN a source that handed out 10 and a fresh target WHEN planned THEN the target takes the source's exact state", () => {
    expect(planSequenceSync([src(10n)], [tgt(1n, false)])[0]).toMatchObject({ action: "set", to: { lastValue: 10n, isCalled: true }, reason: "source ahead" });
  });

  it("GIVEN a target already further WHEN planned THEN it is left alone", () => {
    expect(planSequenceSync([src(10n)], [tgt(50n, true)])[0]).toMatchObject({ action: "unchanged", reason: "target ahead" });
  });

  it("GIVEN a target at the same next value in another form WHEN planned THEN nothing moves", () => {
    expect(planSequenceSync([src(10n, true)], [tgt(11n, false)])[0]).toMatchObject({ action: "unchanged", reason: "in step" });
  });

  it("GIVEN target rows beyond the source's sequence WHEN planned THEN the target lands on the column max", () => {
    expect(planSequenceSync([src(10n)], [tgt(1n, false, 1n, 40n)])[0]).toMatchObject({ action: "set", to: { lastValue: 40n, isCalled: true } });
  });

  it("GIVEN a sequence counting down WHEN planned THEN lower is further: the source's -3 wins over the target's -1, the column's -9 over both", () => {
    expect(planSequenceSync([src(-3n, true, -1n)], [tgt(-1n, false, -1n)])[0]).toMatchObject({ action: "set", to: { lastValue: -3n, isCalled: true } });
    expect(planSequenceSync([src(-3n, true, -1n)], [tgt(-1n, false, -1n, -9n)])[0]).toMatchObject({ action: "set", to: { lastValue: -9n, isCalled: true } });
    expect(planSequenceSync([src(-3n, true, -1n)], [tgt(-20n, true, -1n)])[0]).toMatchObject({ action: "unchanged" });
  });

  it("GIVEN a source sequence the target lacks WHEN planned THEN it is reported missing", () => {
    expect(planSequenceSync([src(5n)], [])[0]).toMatchObject({ action: "missing-on-target" });
  });

  it("GIVEN a CYCLE sequence that wrapped (position 2, column max 5) WHEN planned THEN the target takes the source's exact state, not the column max", () => {
    const cycle = { min: 1n, max: 5n, cycle: true };
    expect(planSequenceSync([src(2n, true, 1n, cycle)], [tgt(1n, false, 1n, undefined, cycle)])[0]).toMatchObject({ action: "set", to: { lastValue: 2n, isCalled: true } });
  });

  it("GIVEN a CYCLE sequence whose target is numerically further WHEN planned THEN it still goes to the source's exact state, is_called included", () => {
    const cycle = { min: 1n, max: 5n, cycle: true };
    expect(planSequenceSync([src(1n, false, 1n, cycle)], [tgt(4n, true, 1n, undefined, cycle)])[0]).toMatchObject({ action: "set", to: { lastValue: 1n, isCalled: false } });
    expect(planSequenceSync([src(4n, true, 1n, cycle)], [tgt(4n, true, 1n, undefined, cycle)])[0]).toMatchObject({ action: "unchanged", reason: "in step" });
    // Same next value in another form is not the exact state for a wrapping sequence.
    expect(planSequenceSync([src(3n, true, 1n, cycle)], [tgt(4n, false, 1n, undefined, cycle)])[0]).toMatchObject({ action: "set", to: { lastValue: 3n, isCalled: true } });
  });

  it("GIVEN a position outside the target sequence's bounds WHEN planned THEN it is reported out of range, not set", () => {
    expect(planSequenceSync([src(70n)], [tgt(1n, false, 1n, undefined, { max: 50n })])[0]).toMatchObject({ action: "out-of-range", to: { lastValue: 70n, isCalled: true } });
  });
});
