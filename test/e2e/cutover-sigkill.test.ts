import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../support/cli.js";
import { appCanConnectToSource, cutoverRecord, hookPids, signalGroup } from "../support/cutover-e2e.js";
import { type DemoServers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "cutover-sigkill-"));
});
afterAll(async () => {
  // The switch hook SIGKILL orphaned (nothing can forward a SIGKILL): ended here.
  for (const pid of hookPids(dir)) signalGroup(pid, "SIGKILL");
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

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
    expect(signalGroup(hookPids(dir)[0]!, 0)).toBe(true);

    const resumed = await runCli(["demo", "--resume", ...common]);
    const text = resumed.stdout + resumed.stderr;
    expect(resumed.code, text).toBe(3);
    expect(text).toMatch(/The app may already be on the target/);
    expect(text).toMatch(/cutover --state \S+ --config \S+ --switched/);
    expect(text).toMatch(/cutover --state \S+ --config \S+ --unfreeze/);
    expect(cutoverRecord(statePath).freeze?.status).toBe("applied");
    expect(await appCanConnectToSource(d)).toBe(false);
  }, 600_000);
});
