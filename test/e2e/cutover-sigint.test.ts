import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli } from "../support/cli.js";
import { appCanConnectToSource, cutoverRecord, hookPids, signalGroup } from "../support/cutover-e2e.js";
import { type DemoServers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "cutover-sigint-"));
});
afterAll(async () => {
  // The switch hook SIGKILL orphaned (nothing can forward a SIGKILL): ended here.
  for (const pid of hookPids(dir)) signalGroup(pid, "SIGKILL");
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("GIVEN the demo at its cutover with the marker held back on the target, and the built CLI", () => {
  it("WHEN Ctrl-C comes during the marker wait THEN it exits 130 after lifting the freeze, the state records it lifted, and no hook process is left", async () => {
    const statePath = join(dir, "m.state.json");
    const config = join(dir, "answers.json");
    writeFileSync(config, JSON.stringify({ "cutover.switchHook": `echo $$ > ${dir}/switch.pid; echo SWITCH-$((1+1))-STARTED; sleep 300` }));
    const common = ["--yes", "--state", statePath, "--config", config, "--no-writes-after-switch"];

    // Holds the marker back: DMS's (the stand-in's) apply of it waits until a row is in release_marker.
    const cli = startCli(["demo", ...common, "--source", d.sourceUrl, "--target", d.targetUrl]);
    await cli.waitFor("Waiting for CDC to catch up", 240_000);
    await d.targetSql(`CREATE TABLE public.release_marker (x int);
      CREATE FUNCTION public.hold_marker() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN WHILE NOT EXISTS (SELECT 1 FROM public.release_marker) LOOP PERFORM pg_sleep(0.05); END LOOP; RETURN NEW; END $$;
      CREATE TRIGGER hold_marker BEFORE INSERT ON aurora_migrate.cutover_marker FOR EACH ROW EXECUTE FUNCTION public.hold_marker();
      ALTER TABLE aurora_migrate.cutover_marker ENABLE ALWAYS TRIGGER hold_marker`);
    await cli.waitFor("Waiting for the marker", 240_000);
    await delay(500);
    expect(await appCanConnectToSource(d)).toBe(false);
    cli.child.kill("SIGINT");
    const interrupted = await cli.done;
    expect(interrupted.code, cli.output()).toBe(130);
    expect(cli.output()).toMatch(/The write freeze was lifted/);
    expect(cutoverRecord(statePath).freeze?.status).toBe("lifted");
    expect(await appCanConnectToSource(d)).toBe(true);
    // The switch command never started, so no process of it can be left.
    expect(hookPids(dir)).toEqual([]);
    await d.targetSql("INSERT INTO public.release_marker VALUES (1)");
  }, 600_000);
});
