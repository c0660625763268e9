import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE } from "../../src/demo/schema.js";
import { startCli } from "../support/cli.js";
import { type DemoServers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "cutover-sigint-"));
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
    expect(await appCanConnectToSource()).toBe(false);
    cli.child.kill("SIGINT");
    const interrupted = await cli.done;
    expect(interrupted.code, cli.output()).toBe(130);
    expect(cli.output()).toMatch(/The write freeze was lifted/);
    expect(cutoverRecord(statePath).freeze?.status).toBe("lifted");
    expect(await appCanConnectToSource()).toBe(true);
    // The switch command never started, so no process of it can be left.
    expect(hookPids()).toEqual([]);
    await d.targetSql("INSERT INTO public.release_marker VALUES (1)");
  }, 600_000);
});
