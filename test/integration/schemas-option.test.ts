import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuiltCli } from "../support/cli.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";

const ODD = 'Sales "Ünï"';

describe("--schemas naming a schema the source lacks", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  beforeAll(async () => {
    source = await freshDatabase("source", "schemaopt");
    target = await freshDatabase("target", "schemaopt");
    for (const db of [source, target]) {
      await db.sql(`CREATE SCHEMA "Sales ""Ünï"""; CREATE TABLE "Sales ""Ünï""".orders (id int PRIMARY KEY); CREATE SEQUENCE "Sales ""Ünï""".order_no`);
    }
    await source.sql(`INSERT INTO "Sales ""Ünï""".orders VALUES (1)`);
    await target.sql(`INSERT INTO "Sales ""Ünï""".orders VALUES (1)`);
  });
  afterAll(async () => {
    await source.drop();
    await target.drop();
  });

  for (const command of ["validate", "sync-sequences"]) {
    it(`GIVEN --schemas with one existing and two missing schemas WHEN ${command} runs THEN exit 2 names both missing ones and lists the source's schemas`, async () => {
      const res = await runBuiltCli([command, "--source", source.url, "--target", target.url, "--schemas", `${ODD},nope,sales`]);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain('--schemas names schemas the source does not have: "nope", "sales".');
      expect(res.stderr).toContain(`Its schemas: ${ODD}, public`);
      expect(res.stdout).not.toMatch(/0 tables? match/);
    });

    it(`GIVEN --schemas naming a schema with quotes, unicode and capitals that exists WHEN ${command} runs THEN it is used as named (exit 0)`, async () => {
      const res = await runBuiltCli([command, "--source", source.url, "--target", target.url, "--schemas", ODD]);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout + res.stderr).toContain(ODD);
    });
  }

  it("GIVEN source.schemas in the config naming a schema the source lacks WHEN the wizard reaches the preflight THEN exit 2 names it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-schemas-"));
    const config = join(dir, "answers.json");
    writeFileSync(config, JSON.stringify({ source: { url: source.url, schemas: ["public", "nope"] } }));
    const res = await runBuiltCli(["start", "--config", config, "--yes", "--state", join(dir, "m.state.json")]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('"source.schemas"');
    expect(res.stderr).toContain("unknown nope");
  });
});
