import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Q } from "../../src/cutover/questions.js";
import { CAPTURE_QUESTION } from "../../src/key-changes/capture-step.js";
import { QUESTION_IDS, SECRET_QUESTION_IDS } from "../../src/ui/question-ids.js";

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
  if (expr === "CAPTURE_QUESTION") return [CAPTURE_QUESTION];
  // Indirections this test knows: the password questions (`${role}.password`), step 1's URL, cleanup's grouped confirmations.
  if (expr === "key" && /const key = `\$\{role\}\.password`|: `\$\{role\}\.password`|key = role === "source"/.test(readFileSync(file, "utf8"))) return ["source.password", "target.password"];
  if (expr === "id" && file.endsWith("source-connection.ts")) return ["source.url"];
  // A constant of the same file (`const id = "aurora.subnetGroup"`), or one it imports from a sibling.
  if (/^\w+$/.test(expr)) {
    const text = readFileSync(file, "utf8");
    const from = new RegExp(`import \\{[^}]*\\b${expr}\\b[^}]*\\} from "\\./([\\w-]+)\\.js"`).exec(text)?.[1];
    const where = from ? readFileSync(join(file, "..", `${from}.ts`), "utf8") : text;
    const constants = [...where.matchAll(new RegExp(`const ${expr} = "([^"]+)"`, "g"))].map((m) => m[1] ?? "");
    if (constants.length) return constants;
  }
  // The endpoints' password questions take their id from a table of secrets in the same file.
  if (expr === "o.key" && file.endsWith("endpoint-passwords.ts")) return [...readFileSync(file, "utf8").matchAll(/key: "([^"]+)"/g)].map((m) => m[1] ?? "");
  if (expr === "question" && file.endsWith("run-cleanup.ts")) return [];
  return undefined;
}

/** Every question id asked in src/, as far as the prompter calls show them. */
function askedIds(): { ids: Set<string>; unknown: string[] } {
  const ids = new Set<string>();
  const unknown: string[] = [];
  const call = /\.(?:text|number|confirm|select|multiSelect|secret|confirmDestructive)(?:<[^>(]*>)?\(\{\s*id(?:\s*:\s*(`[^`]*`|[^,\n}]+)|\s*,)/g;
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    // The prompters themselves pass the question on.
    if (rel === join("ui", "prompter.ts") || rel === join("demo", "prompter.ts")) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(call)) {
      // `{ id, … }`: the shorthand names a variable called id.
      const expr = (m[1] ?? "id").trim();
      const found = resolve(expr, file);
      if (found) found.forEach((id) => ids.add(id));
      else unknown.push(`${rel}: id: ${expr}`);
    }
    // Cleanup's confirmations for a whole kind of resource, passed to awsGroup.
    for (const m of text.matchAll(/awsGroup\([^,]+,[^,]+(?:\?[^:]+:[^,]+)?,\s*"([^"]+)"/g)) if (m[1]) ids.add(m[1]);
  }
  return { ids, unknown };
}

describe("the question ids --config accepts", () => {
  it("GIVEN every question the tool asks WHEN its id is looked up THEN it is in the registry --config checks keys against", () => {
    const { ids, unknown } = askedIds();
    expect(unknown, "question ids this test cannot resolve: teach resolve() about them").toEqual([]);
    const known = new Set([...QUESTION_IDS, ...SECRET_QUESTION_IDS]);
    expect([...ids].filter((id) => !known.has(id)).sort(), "add these to src/ui/question-ids.ts").toEqual([]);
    // And nothing listed that no question asks (the --source/--target flags answer the URL questions).
    expect(QUESTION_IDS.filter((id) => !ids.has(id) && id !== "target.url").sort(), "remove these from src/ui/question-ids.ts").toEqual([]);
  });
});
