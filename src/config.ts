import { readFile } from "node:fs/promises";
import { UsageError } from "./errors.js";
import type { Answer } from "./state/schema.js";

/** Keys that would put a secret in a plain file; refused so nobody is tempted to. */
const SECRET_KEY = /password|secret|token/i;

/**
 * Reads a --config file: a JSON object of answers keyed by question id. Nested objects are
 * flattened with dots, so `{"source": {"url": "…"}}` answers `source.url`. Every problem is
 * collected and reported at once.
 */
export async function readConfig(path: string): Promise<Record<string, Answer>> {
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
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (SECRET_KEY.test(k)) {
        problems.push(`- ${key}: secrets are not read from config files; use the environment (e.g. PGPASSWORD) or the prompt`);
      } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, key);
      } else if (Array.isArray(v)) {
        if (v.every((x) => typeof x === "string")) answers[key] = v;
        else problems.push(`- ${key}: lists may hold only strings`);
      } else if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
        answers[key] = v;
      } else {
        problems.push(`- ${key}: unsupported value`);
      }
    }
  };
  walk(raw as Record<string, unknown>, "");
  if (problems.length) {
    throw new UsageError(`The --config file ${path} has ${problems.length} problem(s):`, { details: problems });
  }
  return answers;
}
