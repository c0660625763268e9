/**
 * What each question the tool asks is: its id (the key of a --config file and of the state's
 * answers), type, default, allowed values and meaning. `aurora-migrate answers` lists it,
 * `answers --template` writes a --config skeleton from it, and --config checks its keys against
 * it. test/unit/question-ids.test.ts checks it against the prompter calls in src/: every id
 * asked is here, with the type and (where the call has a literal one) the default it is asked with.
 */
import type { Answer } from "../state/schema.js";
import { CUTOVER_QUESTIONS } from "./question-catalog-cutover.js";
import { WIZARD_QUESTIONS } from "./question-catalog-wizard.js";

export type QuestionType = "text" | "number" | "confirm" | "select" | "multiSelect" | "secret";

export interface QuestionInfo {
  id: string;
  type: QuestionType;
  /** Also asked as this type (a select among what the account has, a text in a dry run). */
  alsoAs?: readonly QuestionType[];
  /** The step that asks it (1–13), which groups the listing. */
  step: number;
  /** One line: what the answer decides. */
  meaning: string;
  /** The default taken under --yes when it is a fixed value. */
  default?: Answer;
  /** How the default is worked out when it is not a fixed value (e.g. from the source's size). */
  defaultFrom?: string;
  /** The allowed values of a select or multiSelect, when fixed. */
  choices?: readonly string[];
  /** Where the allowed values come from, when they are not fixed. */
  choicesFrom?: string;
  min?: number;
  max?: number;
  integer?: boolean;
  /** Asked only in some cases (e.g. `schema.hook` when `schema.method` is hook). */
  when?: string;
  /** A destructive confirmation: --yes confirms it; true or false in --config answers it. */
  destructive?: boolean;
  /** Answered again each time it is asked (never taken from a template). */
  perEvent?: boolean;
  /** A command-line flag that answers it too. */
  flag?: string;
  /** A secret: how it is given instead of a --config file (never read from one, never recorded). */
  givenBy?: string;
}

/** The steps' titles, as the wizard prints them. */
export const STEP_TITLES: Readonly<Record<number, string>> = {
  1: "Source connection",
  2: "Source preflight",
  3: "Aurora cluster",
  4: "DMS replication instance",
  5: "DMS endpoints",
  6: "DMS task",
  7: "Schema load",
  8: "Full load",
  9: "Restore set-aside objects and reset sequences",
  11: "Wait for sync",
  12: "Cutover (also `aurora-migrate cutover`)",
  13: "Cleanup (also `aurora-migrate cleanup`)",
};

/** Every question, in the order the wizard asks them. */
export const QUESTION_CATALOG: readonly QuestionInfo[] = [...WIZARD_QUESTIONS, ...CUTOVER_QUESTIONS];

/** The catalog entry of an id; undefined for an id no question has. */
export function questionInfo(id: string): QuestionInfo | undefined {
  return QUESTION_CATALOG.find((q) => q.id === id);
}

/**
 * What `answers --template` writes for a question: its fixed default, or null (answers nothing:
 * the question is asked, or under --yes its computed default or the demo's choice is taken, and a
 * required one without any is an error naming the key). A computed default stays null too (it
 * may depend on another answer or on the answer given before). Destructive confirmations stay
 * null, so a template never confirms a deletion by itself; secrets are left out.
 */
export function templateValue(q: QuestionInfo): Answer | undefined {
  if (q.type === "secret") return undefined;
  if (q.destructive || q.perEvent || q.defaultFrom !== undefined || q.default === undefined) return null;
  return q.default;
}

/** The --config skeleton: nested by the ids' dots, as --config reads it. */
export function configTemplate(catalog: readonly QuestionInfo[] = QUESTION_CATALOG): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const q of catalog) {
    const value = templateValue(q);
    if (value === undefined) continue;
    const parts = q.id.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1] ?? q.id] = value;
  }
  return root;
}
