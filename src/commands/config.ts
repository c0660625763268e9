import { readFile } from "node:fs/promises";
import { UsageError } from "../core/errors.js";
import type { Answer } from "../state/schema.js";
import { closest } from "../ui/closest.js";
import { QUESTION_IDS, SECRET_QUESTION_IDS } from "../ui/question-ids.js";
import { RENAMED_IDS, RETIRED_IDS } from "../state/renamed-ids.js";

/** Keys that would put a secret in a plain file; refused so nobody is tempted to. */
const SECRET_KEY = /password|secret|token/i;

const KNOWN: ReadonlySet<string> = new Set(QUESTION_IDS);

/** True when `key` is the start of a question id (`dms.source` of `dms.source.credentials`). */
function isPrefix(key: string): boolean {
  return QUESTION_IDS.some((id) => id.startsWith(`${key}.`));
}

function suggestion(key: string): string {
  const near = closest(key, QUESTION_IDS);
  return near ? `; did you mean ${near}?` : "";
}

/**
 * Reads a --config file: a JSON object of answers keyed by question id. Nested objects are
 * flattened with dots, so `{"source": {"url": "…"}}` answers `source.url`. A key that is no
 * question's id (ui/question-ids.ts) is refused, naming the closest id. Every problem is
 * collected and reported at once. `null` answers nothing (the question is asked, or its default
 * or the demo's choice taken): what `answers --template` writes for a question without a default.
 * An id from before the ids were all dotted camelCase is taken as its new id, with a warning
 * through `warn`: a scripted run keeps working while its file is updated.
 */
export async function readConfig(path: string, warn?: (text: string) => void): Promise<Record<string, Answer>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`Cannot read the --config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`The --config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`The --config file ${path} must hold a JSON object of answers keyed by question id.`);
  }
  const answers: Record<string, Answer> = {};
  const problems: string[] = [];
  // Ids given so far, and which key gave each (an old name and the new one both answering is refused).
  const given = new Map<string, string>();
  const answer = (key: string, value: Answer): void => {
    const id = RENAMED_IDS[key] ?? key;
    const retired = RETIRED_IDS[key];
    if (retired !== undefined) {
      warn?.(`--config ${path}: "${key}" is no longer asked (${retired}); it is ignored: remove it from the file.`);
      return;
    }
    // A key no question asks would silently do nothing: refused, with the id meant most likely.
    if (!KNOWN.has(id)) {
      problems.push(`- ${key}: no question has this id${suggestion(key)}`);
      return;
    }
    const other = given.get(id);
    if (other !== undefined) {
      problems.push(`- ${key}: ${other} answers the same question (${id} is the name now); keep only ${id}`);
      return;
    }
    given.set(id, key);
    if (id !== key) warn?.(`--config ${path}: "${key}" is now called "${id}"; it is taken as ${id} this time: rename it in the file.`);
    if (value !== null) answers[id] = value;
  };
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      // A question's own id (aurora.passwordMode asks how, not for the password) is no secret.
      if (SECRET_QUESTION_IDS.includes(key) || (SECRET_KEY.test(k) && !KNOWN.has(key) && !isPrefix(key))) {
        problems.push(`- ${key}: secrets are not read from config files; use the environment (e.g. PGPASSWORD) or the prompt`);
      } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, key);
      } else if (Array.isArray(v)) {
        if (v.every((x) => typeof x === "string")) answer(key, v);
        else problems.push(`- ${key}: lists may hold only strings`);
      } else if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
        answer(key, v);
      } else {
        problems.push(`- ${key}: unsupported value`);
      }
    }
  };
  walk(raw as Record<string, unknown>, "");
  if (problems.length) {
    throw new UsageError(`The --config file ${path} has ${problems.length} problem(s):`, {
      details: problems,
      hint: "Keys are question ids, e.g. {\"aurora\": {\"clientCidr\": \"203.0.113.7/32\"}} or {\"aurora.clientCidr\": \"203.0.113.7/32\"}.",
    });
  }
  return answers;
}
