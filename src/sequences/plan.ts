import { type SequenceInfo, type SequenceState, type TargetSequenceInfo, nextValue, sequenceKey } from "./types.js";

export type SequenceAction =
  /** The target is moved to `to`. */
  | "set"
  /** The target already hands out a value at or past the source's (never moved backwards). */
  | "unchanged"
  /** The source has it, the target does not: reported, not created. */
  | "missing-on-target";

export interface SequencePlanEntry {
  schema: string;
  name: string;
  action: SequenceAction;
  source: SequenceState;
  /** The target's state before the sync (absent when missing). */
  target?: SequenceState;
  /** The target's state after the sync (for "set"). */
  to?: SequenceState;
  /** Why: "source ahead", "column max ahead", "target ahead", "in step". */
  reason: string;
}

/** Orders values in the direction the sequence counts: later means "further along". */
function later(increment: bigint, a: bigint, b: bigint): boolean {
  return increment < 0n ? a < b : a > b;
}

/**
 * Pure: what to do with each source sequence on the target. The target ends at the furthest
 * of three positions, in the sequence's own direction (a negative increment counts down, so
 * "further" means lower): the source's (its exact state is copied), the target's own (never
 * moved backwards), and one past the extreme value of the columns it feeds on the target.
 */
export function planSequenceSync(source: readonly SequenceInfo[], target: readonly TargetSequenceInfo[]): SequencePlanEntry[] {
  const onTarget = new Map(target.map((t) => [sequenceKey(t), t]));
  return source.map((src): SequencePlanEntry => {
    const tgt = onTarget.get(sequenceKey(src));
    const base = { schema: src.schema, name: src.name, source: src.state };
    if (!tgt) return { ...base, action: "missing-on-target", reason: "no sequence of that name on the target" };
    // The target's increment decides direction: it is the one that will hand out values.
    const inc = tgt.increment;
    const srcNext = nextValue({ increment: inc, state: src.state });
    const tgtNext = nextValue(tgt);
    const colNext = tgt.columnExtreme === undefined ? undefined : tgt.columnExtreme + inc;
    let best = srcNext;
    let to: SequenceState = src.state;
    let reason = "source ahead";
    if (colNext !== undefined && later(inc, colNext, best)) {
      best = colNext;
      to = { lastValue: tgt.columnExtreme!, isCalled: true };
      reason = "column max ahead of the source's sequence";
    }
    if (!later(inc, best, tgtNext)) {
      return { ...base, action: "unchanged", target: tgt.state, reason: tgtNext === best ? "in step" : "target ahead" };
    }
    return { ...base, action: "set", target: tgt.state, to, reason };
  });
}
