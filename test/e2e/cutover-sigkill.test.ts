import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE } from "../../src/demo/schema.js";
import { runCli, startCli } from "../support/cli.js";
import { type DemoServers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "cutover-sigkill-"));
});
afterAll(async () => {
  // The switch hook SIGKILL orphaned (nothing can forward a SIGKILL): ended here.
  for (const pid of hookPids()) signalGroup(pid, "SIGKILL");
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

function hookPids(): number[] {
  try {
    return [Number(readFileSync(join(dir, "switch.pid"), "utf8").trim())];
  } catch {
    return [];
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The demo's app role on the source: refused while the freeze is in force. */
async function appCanConnectToSource(): Promise<boolean> {
  const c = new pg.Client({ host: "127.0.0.1", port: d.servers.source.port, user: APP_ROLE, database: "shop", ssl: { rejectUnauthorized: false } });
  c.on("error", () => undefined);
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

function cutoverRecord(statePath: string): { freeze?: { status: string }; switch?: { startedAt?: string; finishedAt?: string } } {
  const state = JSON.parse(readFileSync(statePath, "utf8")) as { outputs: Record<string, unknown> };
  return (state.outputs["cutover"] ?? {});
}

describe("GIVEN the demo at its cutover, the built CLI, and a switch command that hangs", () => {
  it("WHEN the CLI is SIGKILLed during the switch command THEN a resume does not lift the freeze, says the app may already be on the target, and gives the two ways out", async () => {
    const statePath = join(dir, "m.state.json");
    const config = join(dir, "answers.json");
    writeFileSync(config, JSON.stringify({ "cutover.switchHook": `echo $$ > ${dir}/switch.pid; echo SWITCH-$((1+1))-STARTED; sleep 300` }));
    const common = ["--yes", "--state", statePath, "--config", config, "--no-writes-after-switch"];

    const first = startCli(["demo", ...common, "--source", d.sourceUrl, "--target", d.targetUrl]);
    await first.waitFor("SWITCH-2-STARTED", 240_000);
    first.child.kill("SIGKILL");
    expect((await first.done).signal).toBe("SIGKILL");
    expect(cutoverRecord(statePath).switch?.startedAt).toBeDefined();
    expect(cutoverRecord(statePath).switch?.finishedAt).toBeUndefined();
    // Documented: a SIGKILLed tool cannot forward anything, so its hook (its own process group) lives on.
    expect(signalGroup(hookPids()[0]!, 0)).toBe(true);

    const resumed = await runCli(["demo", "--resume", ...common]);
    const text = resumed.stdout + resumed.stderr;
    expect(resumed.code, text).toBe(3);
    expect(text).toMatch(/The app may already be on the target/);
    expect(text).toMatch(/cutover --state \S+ --config \S+ --switched/);
    expect(text).toMatch(/cutover --state \S+ --config \S+ --unfreeze/);
    expect(cutoverRecord(statePath).freeze?.status).toBe("applied");
    expect(await appCanConnectToSource()).toBe(false);
  }, 600_000);
});
