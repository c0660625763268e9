import { comparePosition, further, withinBounds } from "./position.js";
import { type SequenceInfo, type SequenceState, type TargetSequenceInfo, nextValue, sequenceKey } from "./types.js";

export type SequenceAction =
  /** The target is moved to `to`. */
  | "set"
  /** The target already hands out a value at or past the source's (never moved backwards), or a CYCLE sequence is at the source's exact state. */
  | "unchanged"
  /** The source has it, the target does not: reported, not created. */
  | "missing-on-target"
  /** The position to set lies outside the target sequence's MINVALUE..MAXVALUE (its definition differs): reported, not set. */
  | "out-of-range";

export interface SequencePlanEntry {
  schema: string;
  name: string;
  action: SequenceAction;
  source: SequenceState;
  /** The target's state before the sync (absent when missing). */
  target?: SequenceState;
  /** The target's state after the sync (for "set"; for "out-of-range", the state it would have needed). */
  to?: SequenceState;
  /** Why: "source ahead", "column max ahead", "target ahead", "in step", "cycles: the source's exact position". */
  reason: string;
}

/**
 * Pure: what to do with each source sequence on the target.
 *
 * A CYCLE sequence takes the source's exact state (last_value and is_called): once it has
 * wrapped, its position is below the values it handed out, so no "further" rule applies.
 *
 * Any other sequence ends at the furthest of three positions, in its own direction (a negative
 * increment counts down, so "further" means lower): the source's (its exact state is copied),
 * the target's own (never moved backwards), and the extreme value of the columns it feeds on
 * the target (only values within its bounds: it can never hand out the others).
 *
 * A position outside the target sequence's bounds (its MINVALUE/MAXVALUE differ from the
 * source's) is not set: setval would refuse it, and the rest must still move.
 */
export function planSequenceSync(source: readonly SequenceInfo[], target: readonly TargetSequenceInfo[]): SequencePlanEntry[] {
  const onTarget = new Map<string, TargetSequenceInfo>();
  for (const t of target) onTarget.set(sequenceKey(t), t);
  // A plain loop and object literals (no spreads): run once per CLI process over thousands of
  // sequences, in code the JIT has not warmed up, the spreads cost more than the rules.
  const entries = new Array<SequencePlanEntry>(source.length);
  for (let i = 0; i < source.length; i += 1) entries[i] = planOne(source[i]!, onTarget.get(sequenceKey(source[i]!)));
  return entries;
}

function planOne(src: SequenceInfo, tgt: TargetSequenceInfo | undefined): SequencePlanEntry {
  const { schema, name } = src;
  if (!tgt) return { schema, name, source: src.state, action: "missing-on-target", reason: "no sequence of that name on the target" };
  let to: SequenceState = src.state;
  let reason = src.cycle ? "cycles: the source's exact position" : "source ahead";
  if (!src.cycle) {
    const inc = tgt.increment;
    const colNext = tgt.columnExtreme === undefined ? undefined : tgt.columnExtreme + inc;
    let best = nextValue({ increment: inc, state: src.state });
    if (colNext !== undefined && further(inc, colNext, best)) {
      best = colNext;
      to = { lastValue: tgt.columnExtreme!, isCalled: true };
      reason = "column max ahead of the source's sequence";
    }
    const tgtNext = nextValue(tgt);
    if (!further(inc, best, tgtNext)) {
      return { schema, name, source: src.state, action: "unchanged", target: tgt.state, reason: tgtNext === best ? "in step" : "target ahead" };
    }
  } else if (comparePosition(src, tgt) === "in-step") {
    return { schema, name, source: src.state, action: "unchanged", target: tgt.state, reason: "in step" };
  }
  if (!withinBounds(tgt, to.lastValue)) {
    return { schema, name, source: src.state, action: "out-of-range", target: tgt.state, to, reason: `${to.lastValue} is outside the target sequence's bounds ${tgt.min}..${tgt.max}` };
  }
  return { schema, name, source: src.state, action: "set", target: tgt.state, to, reason };
}
