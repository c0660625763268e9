import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { type Server, type Socket, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { runCli, startCli } from "../support/cli.js";
import { envelopeIn } from "../support/json-envelope.js";

/** A TCP port that accepts connections and never answers: a connect that hangs. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

describe("the built CLI: wizard, state file, resume", () => {
  let db: TestDatabase;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    db = await freshDatabase("source", "cli");
    await db.sql("CREATE ROLE app_owner LOGIN PASSWORD 's3cret-Pa55'");
    silent = await silentServer();
  });
  afterAll(async () => {
    await db.drop();
    await db.sql("DROP ROLE IF EXISTS app_owner").catch(() => undefined);
    await silent.close();
  });

  it("GIVEN a source URL with a password WHEN the wizard runs unattended THEN step 1 is recorded and the password is nowhere in the state file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-cli-"));
    const state = join(dir, "m.state.json");
    const url = db.urlAs("app_owner", "s3cret-Pa55");
    const res = await runCli(["start", "--source", url, "--yes", "--state", state]);
    const text = readFileSync(state, "utf8");
    expect(text).not.toContain("s3cret-Pa55");
    const saved = JSON.parse(text) as { answers: Record<string, string>; steps: Record<string, { status: string }> };
    expect(saved.answers["source.url"]).toBe(`postgres://app_owner@127.0.0.1:${db.port}/${db.name}`);
    expect(saved.steps["source-connection"]?.status).toBe("done");
    expect(res.stdout + res.stderr).not.toContain("s3cret-Pa55");
  });

  it("GIVEN a step in progress WHEN Ctrl-C arrives THEN exit 130, the step is saved as interrupted and the exact resume command is printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-cli-"));
    const state = join(dir, "m.state.json");
    const cli = startCli(["start", "--source", `postgres://app@127.0.0.1:${silent.port}/app`, "--yes", "--state", state]);
    await cli.waitFor("Connecting to");
    cli.child.kill("SIGINT");
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toContain(`aurora-migrate resume --state ${state}`);
    const saved = JSON.parse(readFileSync(state, "utf8")) as { steps: Record<string, { status: string }> };
    expect(saved.steps["source-connection"]?.status).toBe("interrupted");
    expect(existsSync(`${state}.lock`)).toBe(false);

    const status = await runCli(["status", "--json", "--state", state]);
    expect(status.code).toBe(0);
    const report = envelopeIn<{ next: string; steps: { id: string; status: string }[] }>(status.stdout, { command: "status", exitCode: 0 }).result;
    expect(report.next).toBe("source-connection");
    expect(report.steps[0]).toMatchObject({ id: "source-connection", status: "interrupted" });
  });

  it("GIVEN a run holds the state file WHEN a second run starts on it THEN it is refused and the first is unharmed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-cli-"));
    const state = join(dir, "m.state.json");
    const first = startCli(["start", "--source", `postgres://app@127.0.0.1:${silent.port}/app`, "--yes", "--state", state]);
    await first.waitFor("Connecting to");
    const second = await runCli(["resume", "--yes", "--state", state]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Another aurora-migrate run \(start, pid \d+/);
    first.child.kill("SIGINT");
    expect((await first.done).code).toBe(130);
  });

  it("GIVEN a truncated state file WHEN resume runs THEN exit 2 and the file is byte-identical", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-cli-"));
    const state = join(dir, "m.state.json");
    await runCli(["start", "--source", db.url, "--yes", "--state", state]);
    const full = readFileSync(state);
    writeFileSync(state, full.subarray(0, 40));
    const before = readFileSync(state);
    const res = await runCli(["resume", "--yes", "--state", state]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("not valid JSON");
    expect(readFileSync(state).equals(before)).toBe(true);
  });
});

describe("the built CLI: contract", () => {
  it("GIVEN an unknown flag THEN exit 2 with a pointer to --help", async () => {
    const res = await runCli(["status", "--bogus"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("unknown option '--bogus'");
  });

  it("GIVEN any command WHEN --help THEN it describes it and shows an example", async () => {
    for (const cmd of ["start", "resume", "status", "check-source", "sync-sequences", "validate", "cutover", "cleanup", "demo"]) {
      const res = await runCli([cmd, "--help"]);
      expect(res.code, cmd).toBe(0);
      expect(res.stdout, cmd).toContain("Examples:");
      expect(res.stdout, cmd).toContain(`$ aurora-migrate ${cmd === "start" ? "" : cmd}`.trim());
    }
  });

  it("GIVEN demo --source without --target THEN exit 2 before anything is started or written", async () => {
    const res = await runCli(["demo", "--source", "postgres://app@127.0.0.1:1/app", "--yes"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--source and --target go together");
    expect(res.stdout).not.toContain("State:");
  });

  it("GIVEN a config file with several mistakes WHEN the wizard starts THEN exit 2 lists every one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-cli-"));
    const config = join(dir, "answers.json");
    writeFileSync(config, JSON.stringify({ source: { url: "postgres://a@b/c", password: "x" }, list: [1, 2], token: "t" }));
    const res = await runCli(["start", "--config", config, "--yes", "--state", join(dir, "s.json")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("3 problem(s)");
    expect(res.stderr).toContain("source.password");
    expect(res.stderr).toContain("list: lists may hold only strings");
    expect(res.stderr).toContain("token");
  });
});
