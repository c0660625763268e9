import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Q } from "../../src/migration/cutover/questions.js";
import { CAPTURE_QUESTION } from "../../src/migration/key-changes/capture-step.js";
import { type QuestionType, questionInfo } from "../../src/ui/question-catalog.js";
import { QUESTION_IDS, SECRET_QUESTION_IDS } from "../../src/ui/question-ids.js";
import { RQ } from "../../src/migration/rollback/rollback-questions.js";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** What an `id:` expression of a question names; undefined when this test does not know it. */
function resolve(expr: string, file: string): string[] | undefined {
  const literal = /^"([^"]+)"$/.exec(expr);
  if (literal?.[1]) return [literal[1]];
  const template = /^`([^`]+)`$/.exec(expr);
  const roleVar = /\$\{(?:o\.)?role\}/;
  if (template?.[1] && roleVar.test(template[1])) return ["source", "target"].map((role) => template[1]!.replace(roleVar, role));
  const q = /^Q\.(\w+)$/.exec(expr);
  if (q?.[1] && q[1] in Q) return [Q[q[1] as keyof typeof Q]];
  const rq = /^RQ\.(\w+)$/.exec(expr);
  if (rq?.[1] && rq[1] in RQ) return [RQ[rq[1] as keyof typeof RQ]];
  if (expr === "CAPTURE_QUESTION") return [CAPTURE_QUESTION];
  // Indirections this test knows: the password questions (`${role}.password`), step 1's URL, cleanup's grouped confirmations.
  if (expr === "key" && /const key = `\$\{role\}\.password`|: `\$\{role\}\.password`|key = role === "source"/.test(readFileSync(file, "utf8"))) return ["source.password", "target.password"];
  if (expr === "id" && file.endsWith("source-connection.ts")) return ["source.url"];
  // A constant of the same file (`const id = "aurora.subnetGroup"`), or one it imports by a relative path.
  if (/^\w+$/.test(expr)) {
    const text = readFileSync(file, "utf8");
    const from = new RegExp(`import \\{[^}]*\\b${expr}\\b[^}]*\\} from "(\\.\\.?/[\\w/.-]+)\\.js"`).exec(text)?.[1];
    const where = from ? readFileSync(join(file, "..", `${from}.ts`), "utf8") : text;
    const constants = [...where.matchAll(new RegExp(`const ${expr} = "([^"]+)"`, "g"))].map((m) => m[1] ?? "");
    if (constants.length) return constants;
  }
  // The endpoints' password questions take their id from a table of secrets in the same file.
  if (expr === "o.key" && file.endsWith("endpoint-passwords.ts")) return [...readFileSync(file, "utf8").matchAll(/key: "([^"]+)"/g)].map((m) => m[1] ?? "");
  if (expr === "question" && file.endsWith("run-cleanup.ts")) return [];
  return undefined;
}

/** The text of the object literal a call's `({` opens at `from` (braces counted). */
function objectAt(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(from, i + 1);
  }
  return text.slice(from);
}

/** A question as a prompter call in src/ asks it. */
interface Call {
  where: string;
  ids: string[];
  method: string;
  /** The `default:` expression, when the call has one. */
  defaultExpr?: string;
  /** The literal `value: "…"` choices written in the call. */
  values: string[];
}

/** Every question asked in src/, as far as the prompter calls show them. */
function askedCalls(): { calls: Call[]; unknown: string[] } {
  const calls: Call[] = [];
  const unknown: string[] = [];
  const call = /\.(text|number|confirm|select|multiSelect|secret|confirmDestructive)(?:<[^>(]*>)?\(\{\s*id(?:\s*:\s*(`[^`]*`|[^,\n}]+)|\s*,)/g;
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    // The prompters themselves pass the question on.
    if (rel === join("ui", "prompter.ts") || rel === join("commands", "demo", "prompter.ts")) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(call)) {
      // `{ id, … }`: the shorthand names a variable called id.
      const expr = (m[2] ?? "id").trim();
      const found = resolve(expr, file);
      if (!found) {
        unknown.push(`${rel}: id: ${expr}`);
        continue;
      }
      const body = objectAt(text, text.indexOf("{", m.index));
      const def = /\bdefault:\s*([^\n]+?),?\s*\n/.exec(body) ?? /\bdefault:\s*([^,}]+)/.exec(body);
      const values = [...body.matchAll(/\bvalue:\s*"([^"]+)"/g)].map((v) => v[1] ?? "");
      calls.push({ where: `${rel}: ${m[1]}({ id: ${expr} })`, ids: found, method: m[1] ?? "", ...(def?.[1] ? { defaultExpr: def[1].trim() } : {}), values });
    }
    // Cleanup's confirmations for a whole kind of resource, passed to awsGroup.
    for (const m of text.matchAll(/awsGroup\([^,]+,[^,]+(?:\?[^:]+:[^,]+)?,\s*"([^"]+)"/g)) {
      if (m[1]) calls.push({ where: `${rel}: awsGroup(… "${m[1]}")`, ids: [m[1]], method: "confirmDestructive", values: [] });
    }
    // Confirmations of database changes, passed to changeDatabase (migration/planned-sql.ts) as `ask`.
    for (const m of text.matchAll(/\bask:\s*\{\s*id:\s*"([^"]+)"/g)) {
      if (m[1]) calls.push({ where: `${rel}: changeDatabase({ ask: { id: "${m[1]}" } })`, ids: [m[1]], method: "confirmDestructive", values: [] });
    }
  }
  return { calls, unknown };
}

/** The value of a literal default expression; undefined when it is not a literal. */
function literal(expr: string): { value: unknown } | undefined {
  if (/^(true|false|-?\d+(\.\d+)?|"[^"]*")$/.test(expr)) return { value: JSON.parse(expr) as unknown };
  return undefined;
}

describe("the question ids --config accepts", () => {
  it("GIVEN every question the tool asks WHEN its id is looked up THEN it is in the registry --config checks keys against", () => {
    const { calls, unknown } = askedCalls();
    const ids = new Set(calls.flatMap((c) => c.ids));
    expect(unknown, "question ids this test cannot resolve: teach resolve() about them").toEqual([]);
    const known = new Set([...QUESTION_IDS, ...SECRET_QUESTION_IDS]);
    expect([...ids].filter((id) => !known.has(id)).sort(), "add these to src/ui/question-catalog*.ts").toEqual([]);
    // And nothing listed that no question asks (the --source/--target flags answer the URL questions).
    expect(QUESTION_IDS.filter((id) => !ids.has(id) && id !== "target.url").sort(), "remove these from src/ui/question-catalog*.ts").toEqual([]);
  });

  it("GIVEN every prompter call in src/ WHEN compared with the catalog `answers` lists THEN each is asked with the catalog's type, its literal default and choices, and a computed default is described", () => {
    const { calls } = askedCalls();
    const problems: string[] = [];
    for (const c of calls) {
      for (const id of c.ids) {
        const q = questionInfo(id);
        if (!q) continue; // the test above names it
        const type = c.method === "confirmDestructive" ? "confirm" : c.method;
        if (type !== q.type && !(q.alsoAs ?? []).includes(type as QuestionType)) problems.push(`${c.where}: asked as ${type}, the catalog says ${q.type}`);
        if ((c.method === "confirmDestructive") !== (q.destructive === true)) problems.push(`${c.where}: destructive is ${c.method === "confirmDestructive"} in the call, ${q.destructive === true} in the catalog`);
        if (c.defaultExpr === undefined) {
          // A select among what the account has (aurora.clusterId of an existing cluster) has no default; a text one may.
          if (q.default !== undefined && !q.alsoAs) problems.push(`${c.where}: asked without a default, the catalog says ${JSON.stringify(q.default)}`);
        } else {
          const lit = literal(c.defaultExpr);
          if (lit && q.type !== "secret" && JSON.stringify(lit.value) !== JSON.stringify(q.default)) problems.push(`${c.where}: default ${c.defaultExpr}, the catalog says ${JSON.stringify(q.default)}`);
          if (!lit && q.defaultFrom === undefined && q.default === undefined) problems.push(`${c.where}: default ${c.defaultExpr} is computed; describe it in the catalog's defaultFrom`);
        }
        if (q.choices && c.values.some((v) => !q.choices?.includes(v))) problems.push(`${c.where}: choices ${c.values.join(", ")}, the catalog says ${q.choices.join(", ")}`);
        if (q.choices && c.values.length > 0 && q.choices.some((v) => !c.values.includes(v))) problems.push(`${c.where}: the catalog lists ${q.choices.join(", ")}, the call offers ${c.values.join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
