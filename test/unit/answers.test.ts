import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/commands/config.js";
import type { UsageError } from "../../src/core/errors.js";
import { QUESTION_CATALOG, questionInfo } from "../../src/ui/question-catalog.js";
import { QUESTION_IDS, SECRET_QUESTION_IDS } from "../../src/ui/question-ids.js";
import { runMain } from "../support/in-process-cli.js";
import { envelopeIn } from "../support/json-envelope.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "am-answers-"));

describe("aurora-migrate answers: the reference of every question", () => {
  it("GIVEN `answers` WHEN read THEN every question id is on a line of its own with its type, under its step, secrets saying where they come from", async () => {
    const { code, stdout } = await runMain(["answers"]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    for (const q of QUESTION_CATALOG) {
      const line = lines.filter((l) => l.trimStart().startsWith(`${q.id} `));
      expect(line, q.id).toHaveLength(1);
      expect(line[0]).toMatch(new RegExp(`^  ${q.id.replace(/\./g, "\\.")} +${q.type} +\\S`));
    }
    expect(lines).toContain("Step 12: Cutover (also `aurora-migrate cutover`)");
    expect(lines.find((l) => l.trimStart().startsWith("cutover.drainTimeoutSeconds"))).toContain("default 600");
    expect(lines.find((l) => l.trimStart().startsWith("cutover.freezeMethod"))).toContain("roles | hook | none");
    expect(lines.find((l) => l.trimStart().startsWith("restore.jobs"))).toContain("whole number 1–32");
    expect(lines.find((l) => l.trimStart().startsWith("cutover.switchHook"))).toContain("no default: required when asked");
    expect(lines.find((l) => l.trimStart().startsWith("dms.target.password"))).toContain("never in --config: AURORA_MIGRATE_TARGET_PASSWORD");
  });

  it("GIVEN `answers --json` WHEN parsed THEN stdout is one document listing every id with type, default and meaning, secrets without a template value", async () => {
    const { code, stdout } = await runMain(["answers", "--json"]);
    expect(code).toBe(0);
    const doc = envelopeIn<{ questions: { id: string; type: string; meaning: string; default?: unknown; template?: unknown; givenBy?: string }[] }>(stdout, { command: "answers", exitCode: 0 }).result;
    expect(doc.questions.map((q) => q.id)).toEqual([...QUESTION_CATALOG.map((q) => q.id)]);
    expect(doc.questions.find((q) => q.id === "sync.periods")).toMatchObject({ type: "number", default: 3, template: 3, min: 1, max: 60 });
    expect(doc.questions.find((q) => q.id === "cutover.switchHook")).toMatchObject({ type: "text", template: null });
    for (const q of doc.questions.filter((x) => SECRET_QUESTION_IDS.includes(x.id))) {
      expect(q.type).toBe("secret");
      expect(q.givenBy).toBeTruthy();
      expect(q).not.toHaveProperty("template");
    }
  });

  it("GIVEN `answers --template file` WHEN --config reads the file back THEN it is accepted: every id but the secrets, fixed defaults filled in, null elsewhere, no destructive confirmation answered", async () => {
    const d = dir();
    const path = join(d, "answers.json");
    const { code, stderr } = await runMain(["answers", "--template", path]);
    expect(code, stderr).toBe(0);
    const nested = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(nested).toHaveProperty(["aurora", "masterUsername"], "postgres");
    expect(nested).toHaveProperty(["cutover", "switchHook"], null);
    const text = readFileSync(path, "utf8");
    for (const id of SECRET_QUESTION_IDS) expect(text).not.toContain(`"${id.split(".").pop() ?? id}"`);
    const warnings: string[] = [];
    const answers = await readConfig(path, (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    // What it answers: exactly the questions with a fixed default, at that default.
    const fixed = QUESTION_CATALOG.filter((q) => q.type !== "secret" && !q.destructive && !q.perEvent && q.defaultFrom === undefined && q.default !== undefined);
    expect(answers).toEqual(Object.fromEntries(fixed.map((q) => [q.id, q.default])));
    expect(Object.keys(answers).filter((id) => questionInfo(id)?.destructive)).toEqual([]);
    // And every id is in it, so the file shows the whole reference.
    const flat: string[] = [];
    const walk = (o: Record<string, unknown>, prefix: string): void => {
      for (const [k, v] of Object.entries(o)) {
        if (v !== null && typeof v === "object" && !Array.isArray(v)) walk(v as Record<string, unknown>, `${prefix}${k}.`);
        else flat.push(prefix + k);
      }
    };
    walk(nested, "");
    expect(flat.sort()).toEqual([...QUESTION_IDS].sort());
  });

  it("GIVEN a file already at the --template path WHEN `answers --template` runs THEN exit 2 and the file is left as it was", async () => {
    const path = join(dir(), "answers.json");
    writeFileSync(path, '{"cutover": {"switchHook": "./deploy.sh"}}');
    const { code, stderr } = await runMain(["answers", "--template", path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path} exists`);
    expect(readFileSync(path, "utf8")).toBe('{"cutover": {"switchHook": "./deploy.sh"}}');
  });

  it("GIVEN `answers --template` without a file WHEN run THEN stdout is the skeleton itself", async () => {
    const { code, stdout } = await runMain(["answers", "--template"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toHaveProperty(["restore", "jobs"], 3);
  });
});

describe("--config keys from before the ids were all dotted camelCase", () => {
  it("GIVEN a --config file with an old id WHEN read THEN it answers the new id, with a warning naming the new id", async () => {
    const path = join(dir(), "old.json");
    writeFileSync(path, JSON.stringify({ "cutover.switch-hook": "./switch.sh", cleanup: { "drop-slot": false }, "restore.jobs": 4 }));
    const warnings: string[] = [];
    expect(await readConfig(path, (w) => warnings.push(w))).toEqual({ "cutover.switchHook": "./switch.sh", "cleanup.dropSlot": false, "restore.jobs": 4 });
    expect(warnings).toEqual([
      `--config ${path}: "cutover.switch-hook" is now called "cutover.switchHook"; it is taken as cutover.switchHook this time: rename it in the file.`,
      `--config ${path}: "cleanup.drop-slot" is now called "cleanup.dropSlot"; it is taken as cleanup.dropSlot this time: rename it in the file.`,
    ]);
  });

  it("GIVEN a --config file answering one question under its old and its new id WHEN read THEN exit 2 says to keep only the new one", async () => {
    const path = join(dir(), "both.json");
    writeFileSync(path, JSON.stringify({ "cutover.switchHook": "./a.sh", "cutover.switch-hook": "./b.sh" }));
    const err = (await readConfig(path).catch((e: unknown) => e)) as UsageError;
    expect(err.exitCode).toBe(2);
    expect(err.details.join("\n")).toContain("cutover.switch-hook: cutover.switchHook answers the same question (cutover.switchHook is the name now); keep only cutover.switchHook");
  });

  it("GIVEN null for a question in --config WHEN read THEN it answers nothing (the question is asked or takes its default)", async () => {
    const path = join(dir(), "null.json");
    writeFileSync(path, JSON.stringify({ source: { url: null }, "restore.jobs": 2 }));
    expect(await readConfig(path)).toEqual({ "restore.jobs": 2 });
  });
});
