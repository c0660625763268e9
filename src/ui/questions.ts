import type { Answer } from "../state/schema.js";

/**
 * Every question has a stable id: it is the key in the state file's answers and in the
 * --config file, so never rename one.
 */
interface BaseQuestion {
  id: string;
  message: string;
  /** One line shown under the question, and in the error when an answer is missing. */
  help?: string;
}

export interface TextQuestion extends BaseQuestion {
  default?: string;
  /**
   * Ask the terminal even when an answer is recorded, offering it as the default (a step
   * re-run after a failure, so a mistyped URL can be corrected). Without a terminal the
   * recorded answer stands.
   */
  askAgain?: boolean;
  /** Returns an error message for a bad value, or undefined when it is fine. */
  validate?: (value: string) => string | undefined;
  /** Turns the raw answer into what is recorded (e.g. a URL with its password removed). */
  normalize?: (value: string) => string;
}

export interface NumberQuestion extends BaseQuestion {
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}

export interface ConfirmQuestion extends BaseQuestion {
  default: boolean;
}

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface SelectQuestion<T extends string> extends BaseQuestion {
  choices: readonly Choice<T>[];
  default?: T;
}

export interface MultiSelectQuestion<T extends string> extends BaseQuestion {
  choices: readonly Choice<T>[];
  default?: readonly T[];
}

/** A password or token: asked hidden, never recorded, never taken from --config. */
export interface SecretQuestion extends BaseQuestion {
  /** Environment variable the user may set instead, named in the error when none is given. */
  env?: string;
}

/** A yes/no before something destructive; `--yes` answers it, nothing records it. */
export interface DestructiveQuestion extends BaseQuestion {
  /** What will be destroyed or changed, shown before the question. */
  consequences?: string[];
}

export type AnswerValue = Answer;
