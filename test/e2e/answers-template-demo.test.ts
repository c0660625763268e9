import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MigrationState } from "../../src/state/schema.js";
import { runCli } from "../support/cli.js";
import { type DemoServers, accountCounts, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "answers-template-"));
});
afterAll(async () => {
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("GIVEN the config skeleton `answers --template` writes, unedited", () => {
  it("WHEN the demo runs unattended with it (`demo --yes --config`) THEN all 13 steps finish, the template's defaults are taken where the demo has no choice of its own, and the demo's own choices stand where the template holds the wizard's default or null", async () => {
    const template = join(dir, "answers.json");
    const written = await runCli(["answers", "--template", template]);
    expect(written.code, written.stderr).toBe(0);

    const statePath = join(dir, "m.state.json");
    const run = await runCli(["demo", "--yes", "--config", template, "--source", d.sourceUrl, "--target", d.targetUrl, "--state", statePath, "--no-writes-after-switch"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("Step 13/13: Cleanup");
    expect(run.stdout).toContain("validate --checksum at the switch: clean.");
    const kept = run.stdout.split("\n").find((l) => l.startsWith("The demo keeps its own answer to ")) ?? "";
    for (const id of ["sync.periods", "cutover.drainTimeoutSeconds"]) expect(kept).toContain(id);

    const state = JSON.parse(readFileSync(statePath, "utf8")) as MigrationState;
    // The demo's own choices: where the template has null (no default), and where it has the wizard's default.
    expect(state.answers["cutover.switchHook"]).toMatch(/switch-app-hook\.js/);
    expect(state.answers["aurora.clusterId"]).toBe("shop-aurora");
    expect(state.answers["sync.periods"]).toBe(1);
    expect(state.answers["cutover.drainTimeoutSeconds"]).toBe(120);
    // The template's answers where the demo has none.
    expect(state.answers["restore.jobs"]).toBe(3);
    expect(state.answers["cutover.freezeMethod"]).toBe("roles");
    expect(state.answers["aurora.masterUsername"]).toBe("postgres");
    // Cleanup's destructive confirmations were null in the template, so --yes confirmed them.
    expect(accountCounts(statePath)).toMatchObject({ instances: 0, endpoints: 0, tasks: 0, rules: 0 });
  }, 240_000);
});
