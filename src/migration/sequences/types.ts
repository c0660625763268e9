/** A sequence's position as PostgreSQL stores it. Values are bigint, kept as BigInt. */
export interface SequenceState {
  lastValue: bigint;
  /** False right after creation or `setval(…, false)`: nextval returns lastValue itself. */
  isCalled: boolean;
}

export interface SequenceInfo {
  schema: string;
  name: string;
  increment: bigint;
  /** The sequence's bounds (pg_sequence.seqmin/seqmax): setval refuses anything outside them. */
  min: bigint;
  max: bigint;
  /** CYCLE: it wraps from one bound to the other, so its position is not "at or past" anything. */
  cycle: boolean;
  state: SequenceState;
}

/** A sequence on the target, with the extreme value (max, or min for a negative increment) of the columns it feeds. */
export interface TargetSequenceInfo extends SequenceInfo {
  /** Columns whose values this sequence hands out: owned (serial, identity) or `DEFAULT nextval(…)`. */
  feeds: string[];
  /**
   * max(col) over `feeds` (min for a negative increment), counting only values within the
   * sequence's bounds (it can never hand out the others); undefined when there are none.
   * Not read for a CYCLE sequence, whose position is copied exactly.
   */
  columnExtreme?: bigint;
}

export const sequenceKey = (s: { schema: string; name: string }): string => `${s.schema}.${s.name}`;

/** The value the next nextval() will return. */
export function nextValue(info: { increment: bigint; state: SequenceState }): bigint {
  return info.state.isCalled ? info.state.lastValue + info.increment : info.state.lastValue;
}

export function formatState(s: SequenceState): string {
  return `${s.lastValue}${s.isCalled ? "" : " (not called)"}`;
}
