import type { Clock } from "../core/clock.js";
import type { Answer, MigrationState, ReplacedAnswer } from "./schema.js";

/** True when two answers are the same value (lists compared item by item, in order). */
export function sameAnswer(a: Answer | undefined, b: Answer | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Records `value` as the answer to `id`; a different value already recorded goes to the
 * state's `answerHistory` with the time it was replaced and by what.
 */
export function recordAnswer(state: MigrationState, id: string, value: Answer, at: Date, by: ReplacedAnswer["by"]): void {
  const previous = state.answers[id];
  if (previous !== undefined && !sameAnswer(previous, value)) {
    const history = (state.answerHistory[id] ??= []);
    history.push({ value: previous, replacedAt: at.toISOString(), by });
  }
  state.answers[id] = value;
}

/**
 * The step running now failed on its previous attempt (see the runner's `lastFailure`): its
 * questions are asked again in a terminal, their recorded answers offered as defaults.
 */
export function retryingAfterFailure(state: MigrationState): boolean {
  return Object.values(state.steps).some((s) => s.status === "running" && s.lastFailure !== undefined);
}

/** The prompter's answer book over the state's answers, keeping the history of replaced ones. */
/** Where recorded answers live (the state file's `answers`). */
export interface AnswerBook {
  get(id: string): Answer | undefined;
  /** Records an answer; `by` says where a replacing answer came from (kept in the answer's history). */
  set(id: string, value: Answer, by?: "config" | "terminal"): void;
  /** True when the step asking now failed on its previous attempt: its answers are asked again in a terminal. */
  retrying?(): boolean;
}

export function stateAnswerBook(state: MigrationState, clock: Clock): AnswerBook {
  return {
    get: (id) => state.answers[id],
    set: (id, value, by = "terminal") => recordAnswer(state, id, value, clock.now(), by),
    retrying: () => retryingAfterFailure(state),
  };
}
