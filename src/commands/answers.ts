import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { UsageError } from "../core/errors.js";
import type { Answer } from "../state/schema.js";
import { QUESTION_CATALOG, type QuestionInfo, STEP_TITLES, configTemplate, templateValue } from "../ui/question-catalog.js";
import type { Reporter } from "../ui/reporter.js";

export interface AnswersOptions {
  /** --template: true prints the skeleton on stdout, a path writes it there. */
  template?: string | boolean;
}

/** How the listing shows an answer's value. */
function shown(v: Answer): string {
  return typeof v === "string" ? (v === "" ? '""' : v) : JSON.stringify(v);
}

/** The allowed values, or range, of a question; "" when anything of its type goes. */
function allowed(q: QuestionInfo): string {
  if (q.choices) return q.choices.join(" | ") + (q.choicesFrom ? ` (${q.choicesFrom})` : "");
  if (q.choicesFrom) return q.choicesFrom;
  if (q.type === "number") {
    const kind = q.integer ? "whole number" : "number";
    if (q.min !== undefined && q.max !== undefined) return `${kind} ${q.min}–${q.max}`;
    if (q.min !== undefined) return `${kind} ≥ ${q.min}`;
    return kind;
  }
  return "";
}

/** The default as the listing says it, or how it is answered when there is none. */
function defaultText(q: QuestionInfo): string {
  if (q.type === "secret") return `never in --config: ${q.givenBy ?? "a hidden prompt"}`;
  if (q.destructive) return "destructive: --yes confirms it";
  if (q.perEvent) return `asked each time it applies (--yes: ${shown(q.default ?? null)})`;
  if (q.defaultFrom) return `default: ${q.defaultFrom}`;
  if (q.default !== undefined) return `default ${shown(q.default)}`;
  return "no default: required when asked";
}

/** One line per question: id, type, allowed values, default, meaning, when it is asked. */
export function listingLines(catalog: readonly QuestionInfo[] = QUESTION_CATALOG): string[] {
  const width = Math.max(...catalog.map((q) => q.id.length));
  const lines: string[] = [];
  let step: number | undefined;
  for (const q of catalog) {
    if (q.step !== step) {
      step = q.step;
      lines.push("", `Step ${q.step}: ${STEP_TITLES[q.step] ?? ""}`);
    }
    const facts = [allowed(q), defaultText(q), q.when ? `asked when ${q.when}` : "", q.flag ? `also ${q.flag}` : ""].filter(Boolean).join("; ");
    lines.push(`  ${q.id.padEnd(width)}  ${q.type.padEnd(11)}  ${q.meaning} [${facts}]`);
  }
  return lines;
}

const PREAMBLE = [
  "Every question the wizard, cutover and cleanup ask, by id: the keys of a --config file, flat",
  '("cutover.switchHook": "…") or nested ({"cutover": {"switchHook": "…"}}). With --yes nothing is',
  "asked: defaults are taken, and a question asked that has none is an error naming its key.",
  "null answers nothing. Destructive confirmations: --yes confirms them; true or false answers them.",
  "Passwords are never read from --config nor recorded: each secret line says where it comes from.",
  "`aurora-migrate answers --template answers.json` writes a skeleton: fixed defaults filled in,",
  "null for the rest (no default, a computed one, a destructive confirmation).",
];

/** The listing's --json document. */
export function answersDocument(catalog: readonly QuestionInfo[] = QUESTION_CATALOG): { questions: Record<string, unknown>[] } {
  return {
    questions: catalog.map((q) => ({
      ...q,
      stepTitle: STEP_TITLES[q.step] ?? "",
      ...(q.type === "secret" ? {} : { template: templateValue(q) ?? null }),
    })),
  };
}

/** `aurora-migrate answers [--template [file]]`. */
export async function runAnswers(o: AnswersOptions, reporter: Reporter, stdout: NodeJS.WritableStream): Promise<void> {
  if (o.template === undefined || o.template === false) {
    if (reporter.jsonMode) {
      reporter.json(answersDocument());
      return;
    }
    for (const line of [...PREAMBLE, ...listingLines()]) reporter.info(line);
    return;
  }
  const text = JSON.stringify(configTemplate(), null, 2) + "\n";
  if (o.template === true) {
    stdout.write(text);
    return;
  }
  const path = o.template;
  if (existsSync(path)) {
    throw new UsageError(`${path} exists; the template is not written over it (it may hold your answers).`, {
      hint: `Remove it, or give another path: aurora-migrate answers --template answers.new.json`,
    });
  }
  try {
    await writeFile(path, text, { flag: "wx" });
  } catch (err) {
    throw new UsageError(`Cannot write the template to ${path}: ${(err as Error).message}`, { hint: "Give a path in a directory you can write to." });
  }
  const filled = QUESTION_CATALOG.filter((q) => templateValue(q) !== undefined && templateValue(q) !== null).length;
  const open = QUESTION_CATALOG.filter((q) => templateValue(q) === null).length;
  if (reporter.jsonMode) reporter.json({ template: path, defaults: filled, unanswered: open });
  reporter.success(`Wrote ${path}: ${filled} answer(s) at their defaults, ${open} left null (no fixed default, a destructive confirmation, or asked each time).`);
  reporter.info("Fill in what you need (see `aurora-migrate answers` for each key), then: aurora-migrate start --config " + path + " --yes");
}
