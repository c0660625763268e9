import { type SequenceInfo, type SequenceState, nextValue } from "./types.js";

/**
 * Where the target's sequence stands against the source's:
 * - "in-step": it hands out the same next value (a CYCLE sequence: the exact same state);
 * - "ahead": further along in the target's own direction (never moved back);
 * - "behind": not yet at the source's next value — it would hand out values the source already did;
 * - "elsewhere": a CYCLE sequence at any other position than the source's exact one (a wrapping
 *   sequence has no "further": the only safe position is the source's).
 */
export type SequencePosition = "in-step" | "ahead" | "behind" | "elsewhere";

/** True when `a` is further along than `b` for a sequence counting by `increment` (down when negative). */
export function further(increment: bigint, a: bigint, b: bigint): boolean {
  return increment < 0n ? a < b : a > b;
}

export const sameState = (a: SequenceState, b: SequenceState): boolean => a.lastValue === b.lastValue && a.isCalled === b.isCalled;

/**
 * Pure: compares positions. The target's increment decides direction (it is the one that will
 * hand out values); the source's CYCLE decides whether only the exact position will do.
 */
export function comparePosition(source: SequenceInfo, target: SequenceInfo): SequencePosition {
  if (source.cycle) return sameState(source.state, target.state) ? "in-step" : "elsewhere";
  const srcNext = nextValue({ increment: target.increment, state: source.state });
  const tgtNext = nextValue(target);
  if (srcNext === tgtNext) return "in-step";
  return further(target.increment, tgtNext, srcNext) ? "ahead" : "behind";
}

/** True when setval(value) is accepted by the sequence (within its MINVALUE..MAXVALUE). */
export const withinBounds = (s: { min: bigint; max: bigint }, value: bigint): boolean => value >= s.min && value <= s.max;
