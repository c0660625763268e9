import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const configFile = path.join(root, "eslint.config.js");

/**
 * The project's own eslint.config.js, with type information off (the import rules need none,
 * and without it a snippet may stand at any path, existing or not) and only
 * no-restricted-imports reported.
 */
function importsOnly(): ESLint {
  return new ESLint({
    cwd: root,
    overrideConfigFile: configFile,
    overrideConfig: { languageOptions: { parserOptions: { project: false, projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId === "no-restricted-imports",
  });
}

async function lintAt(eslint: ESLint, file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

describe("the lint holds the layering: imports only go downward", () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = importsOnly();
  });

  it.each([
    ["src/state/store.ts", 'import { x } from "../ui/prompter.js";', "state", "ui"],
    ["src/plan/cidr.ts", 'import type { X } from "../adapters/aws/services.js";', "plan", "adapters"],
    ["src/migration/aws/context.ts", 'import { x } from "../../steps/dms-task.js";', "migration", "steps"],
    ["src/migration/connections.ts", 'export { x } from "../steps/dms-task.js";', "migration", "steps"],
    ["src/steps/dms-task.ts", 'import { x } from "../wizard/runner.js";', "steps", "wizard"],
    ["src/adapters/aws/services.ts", 'import { x } from "../../migration/context.js";', "adapters", "migration"],
    ["src/adapters/postgres/source-facts/new.ts", 'import { x } from "../../../cli/main.js";', "adapters", "cli"],
    ["src/core/errors.ts", 'import { x } from "../state/store.js";', "core", "state"],
    ["src/wizard/runner.ts", 'import { x } from "../commands/demo/setup.js";', "wizard", "commands"],
  ])("GIVEN %s WHEN it imports upward (%s) THEN the lint fails", async (file, code, layer, higher) => {
    expect(await lintAt(eslint, file, code)).toEqual([
      expect.stringContaining(
        `no-restricted-imports: '${code.split('"')[1]}' import is restricted from being used by a pattern. ` +
          `${layer} may not import ${higher}: layers import only downward (see README, Layout)`,
      ),
    ]);
  });

  it.each([
    ["src/ui/prompter.ts", 'import { x } from "../state/store.js";'],
    ["src/adapters/aws/services.ts", 'import { x } from "../../plan/cidr.js";'],
    ["src/migration/aws/context.ts", 'import { x } from "../cutover/live-deps.js";'],
    ["src/steps/dms-task.ts", 'import { x } from "../migration/context.js";'],
    ["src/commands/demo/setup.ts", 'import { x } from "../../wizard/runner.js";'],
    ["src/cli/main.ts", 'import { x } from "../commands/wizard.js";'],
    ["src/plan/preflight/x.ts", 'import { x } from "../sql-text.js";\nimport { isIP } from "node:net";'],
  ])("GIVEN %s WHEN it imports its own layer or a lower one THEN the lint passes", async (file, code) => {
    expect(await lintAt(eslint, file, code)).toEqual([]);
  });

  it("GIVEN a folder inside a layer named like a higher layer WHEN imported from within THEN it is not a back-arrow", async () => {
    // src/migration/aws/x.ts importing ../steps/ means src/migration/steps, not src/steps.
    expect(await lintAt(eslint, "src/migration/aws/x.ts", 'import { x } from "../steps/y.js";')).toEqual([]);
  });

  it("GIVEN a step WHEN it imports another step THEN the lint fails: steps share nothing", async () => {
    expect(await lintAt(eslint, "src/steps/full-load.ts", 'import { x } from "./dms-task.js";')).toEqual([
      expect.stringContaining("A step may not import another step"),
    ]);
  });

  it("GIVEN src WHEN it imports test support THEN the lint fails", async () => {
    expect(
      await lintAt(eslint, "src/migration/cutover/x.ts", 'import { x } from "../../../test/support/aws/fake-aws.js";'),
    ).toEqual([expect.stringContaining("src may not import test/")]);
  });

  it.each([
    'import { readFile } from "node:fs/promises";',
    'import { spawn } from "node:child_process";',
    'import { connect } from "node:net";',
    'import pg from "pg";',
    'import { RDSClient } from "@aws-sdk/client-rds";',
  ])("GIVEN plan/ WHEN it does I/O (%s) THEN the lint fails: plan is pure", async (code) => {
    expect(await lintAt(eslint, "src/plan/cidr.ts", code)).toEqual([expect.stringContaining("plan is pure")]);
  });

  it("GIVEN the lint command itself (npm run lint's eslint, full config, type information) WHEN a real file gets a back-arrow THEN it exits non-zero naming the rule", () => {
    // A real file, linted by the eslint CLI in a process of its own, as CI runs it. (Text given
    // on stdin under an existing file's path is not reliable with type information: the
    // program may hold the file as it is on disk.)
    const probe = path.join(root, "src", "state", `layering-probe-${process.pid}.ts`);
    writeFileSync(probe, 'import type { Prompter } from "../ui/prompter.js";\nexport type P = Prompter;\n');
    try {
      const eslintBin = path.join(root, "node_modules", "eslint", "bin", "eslint.js");
      const r = spawnSync(process.execPath, [eslintBin, "--max-warnings", "0", probe], { cwd: root, encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("state may not import ui");
    } finally {
      rmSync(probe, { force: true });
    }
  });
});
