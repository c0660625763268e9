import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../support/cli.js";
import { type DemoServers, accountCounts, firstInsertsOnTarget, readAccount, sourceLeftovers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "demo-crash-"));
});
afterAll(async () => {
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The stand-in's own record of the (only) task: its phase and status. */
function taskRecord(statePath: string): { phase: string; status: string } | undefined {
  const task = Object.values(readAccount(statePath).tasks)[0];
  try {
    return JSON.parse(readFileSync(task?.storePath ?? "", "utf8")) as { phase: string; status: string };
  } catch {
    return undefined;
  }
}

async function killWhen(args: string[], text: string | RegExp, also: () => boolean = () => true): Promise<string> {
  const cli = startCli(args);
  await cli.waitFor(text, 120_000);
  for (let i = 0; i < 200 && !also(); i++) await delay(100);
  cli.child.kill("SIGKILL");
  const result = await cli.done;
  expect(result.signal).toBe("SIGKILL");
  return cli.output();
}

describe("GIVEN a demo migration with the app writing throughout", () => {
  it("WHEN the CLI is SIGKILLed during the full load and again during the sync wait, and resumed each time THEN it ends as an uninterrupted run: one task, one slot, one subscription, no row lost", async () => {
    const statePath = join(dir, "m.state.json");
    const common = ["--yes", "--state", statePath, "--no-writes-after-switch"];
    // 1.5 s before each of the 7 tables: a full load of about 10 s, long enough to be caught.
    const loadRunning = (): boolean => taskRecord(statePath)?.phase === "full-load" && taskRecord(statePath)?.status === "running";
    const first = await killWhen(["demo", ...common, "--source", d.sourceUrl, "--target", d.targetUrl, "--full-load-delay", "1500"], "Started the task", loadRunning);
    expect(first).not.toContain("Full load finished");
    // The stand-in's own record of the task: killed with its full load under way.
    expect(taskRecord(statePath)).toMatchObject({ phase: "full-load", status: "running" });
    const loading = await d.targetSql<{ n: string }>("SELECT count(*) AS n FROM pg_subscription");
    expect(loading[0]?.n).toBe("0");

    // Two 60-second periods under the threshold: the sync wait lasts until the next minute starts.
    const config = join(dir, "answers.json");
    writeFileSync(config, JSON.stringify({ "sync.periods": 2 }));
    const second = await killWhen(["demo", "--resume", ...common, "--config", config], "Waiting for CDC to catch up");
    expect(second).toContain("Full load finished");
    // Mid-sync: exactly one of each resource, in the stand-in and in the databases.
    expect(accountCounts(statePath)).toEqual({ clusters: 1, instances: 1, endpoints: 2, tasks: 1, rules: 1 });
    expect((await d.sourceSql("SELECT slot_name FROM pg_replication_slots")).length).toBe(1);
    expect((await d.targetSql("SELECT subname FROM pg_subscription")).length).toBe(1);

    const last = await runCli(["demo", "--resume", ...common]);
    expect(last.code, last.stdout + last.stderr).toBe(0);
    expect(last.stdout).toContain("validate --checksum: clean");

    const validate = await runCli(["validate", "--checksum", "--source", d.sourceUrl, "--target", d.targetDbUrl]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    await expect(firstInsertsOnTarget(d)).resolves.toBeUndefined();
    expect(await sourceLeftovers(d)).toEqual([]);
    expect(accountCounts(statePath)).toMatchObject({ instances: 0, endpoints: 0, tasks: 0, rules: 0 });
  }, 300_000);
});
