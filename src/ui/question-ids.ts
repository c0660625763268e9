/**
 * Every question id the tool asks: the keys a --config file may hold (and the keys of the
 * state's answers). A key not listed here would be read by nothing, so --config refuses it
 * (config.ts). The ids, with their type, default and meaning, live in the catalog
 * (question-catalog.ts, listed by `aurora-migrate answers`); test/unit/question-ids.test.ts
 * fails when a question asked in src/ is missing from it or asked differently.
 */
import { QUESTION_CATALOG } from "./question-catalog.js";

/** Ids a --config file may answer (secrets excluded). */
export const QUESTION_IDS: readonly string[] = QUESTION_CATALOG.filter((q) => q.type !== "secret").map((q) => q.id);

/** Questions whose answer is a secret: asked hidden, never taken from a --config file. */
export const SECRET_QUESTION_IDS: readonly string[] = QUESTION_CATALOG.filter((q) => q.type === "secret").map((q) => q.id);
