import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoRecordPath } from "../../src/commands/demo/setup.js";
import { startLocalServers, type LocalServers } from "../../src/standin/local-servers.js";
import { runCli, startCli } from "../support/cli.js";

// The demo's own kind of servers (TLS, trust authentication), one database per scenario. The
// URLs carry a password: trust ignores it, so any copy of it at rest is the demo's doing.
const PASSWORD = "s3cret-pw-Zq7";
let servers: LocalServers;
let dir: string;

beforeAll(async () => {
  servers = await startLocalServers({ ssl: true });
  dir = mkdtempSync(join(tmpdir(), "demo-resume-"));
});
afterAll(async () => {
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function sql<T extends pg.QueryResultRow>(port: number, database: string, text: string): Promise<T[]> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function demoOn(database: string): Promise<{ source: string; target: string }> {
  await servers.source.createDatabase(database);
  return {
    source: `postgres://postgres:${PASSWORD}@127.0.0.1:${servers.source.port}/${database}?sslmode=require`,
    target: `postgres://postgres:${PASSWORD}@127.0.0.1:${servers.target.port}/postgres?sslmode=require`,
  };
}

/** Runs the CLI until `text` shows, then SIGKILLs it; returns its output. */
async function killWhen(args: string[], text: string | RegExp): Promise<string> {
  const cli = startCli(args);
  await cli.waitFor(text, 180_000);
  cli.child.kill("SIGKILL");
  const result = await cli.done;
  expect(result.signal, cli.output()).toBe("SIGKILL");
  return cli.output();
}

/** The app's writes on the migrated database on the target: rows in its busiest tables. */
async function appRowsOnTarget(database: string): Promise<string> {
  const rows = await sql<{ n: string }>(servers.target.port, database, "SELECT (SELECT count(*) FROM app.orders) || '/' || (SELECT count(*) FROM app.carts) || '/' || (SELECT count(*) FROM app.audit_log) AS n");
  return rows[0]?.n ?? "";
}

describe("GIVEN a demo on servers given with passwords, SIGKILLed after its switch", () => {
  const statePath = (): string => join(dir, "secrets.state.json");

  it("WHEN it is killed after the switch THEN its files beside the state hold no password, are 0600, and the state holds none either; AND WHEN resumed with --no-writes-after-switch THEN it ends and the app writes nothing on the target", async () => {
    const urls = await demoOn("shop_pw");
    const common = ["--yes", "--state", statePath(), "--no-writes-after-switch"];
    await killWhen(["demo", ...common, "--source", urls.source, "--target", urls.target], "validate --checksum: clean");

    const files = [demoRecordPath(statePath()), `${statePath()}.switch-url`, statePath()];
    for (const file of files) {
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, "utf8"), file).not.toContain(PASSWORD);
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
    }
    // The switch file still says where the app goes: the target's database, no password.
    expect(readFileSync(`${statePath()}.switch-url`, "utf8").trim()).toBe(`postgres://postgres@127.0.0.1:${servers.target.port}/shop_pw?sslmode=require`);

    const before = await appRowsOnTarget("shop_pw");
    const resumed = await runCli(["demo", "--resume", ...common], { env: { PGPASSWORD: PASSWORD } });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(await appRowsOnTarget("shop_pw")).toBe(before);
    expect(resumed.stdout).toContain("0 on the target after the switch");
    for (const file of files.filter(existsSync)) expect(readFileSync(file, "utf8"), file).not.toContain(PASSWORD);
  }, 400_000);
});

describe("GIVEN a demo SIGKILLed while the source's writes are frozen, before the switch", () => {
  it("WHEN it is resumed THEN the latency gate passes again (the stand-in's CloudWatch answers a query ending now) and the demo reaches the end", async () => {
    const urls = await demoOn("shop_freeze");
    const statePath = join(dir, "freeze.state.json");
    const common = ["--yes", "--state", statePath];
    await killWhen(["demo", ...common, "--source", urls.source, "--target", urls.target], "Writes frozen on the source");
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { outputs: { cutover?: { freeze?: { status: string }; report?: { outcome: string } } } };
    // Killed inside the freeze, before the switch finished.
    expect(state.outputs.cutover?.freeze?.status).not.toBe("lifted");
    expect(state.outputs.cutover?.report?.outcome).not.toBe("switched");

    const resumed = await runCli(["demo", "--resume", ...common]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("validate --checksum: clean");
  }, 400_000);
});
