import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { main } from "../../src/cli/main.js";
import { runCleanupCommand } from "../../src/commands/cleanup.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { FakeClock } from "../support/aws/harness.js";
import { seedMigration } from "../support/aws/seed.js";
import { newState } from "../../src/state/schema.js";
import { readState, writeStateAtomic } from "../../src/state/store.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { envelopeIn } from "../support/json-envelope.js";

let source: TestDatabase;
let target: TestDatabase;
let dir: string;
let statePath: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await main(["node", "aurora-migrate", ...args, "--state", statePath], { stdout, stderr, stdinIsTTY: false, env: {}, signal: new AbortController().signal });
  return { code, out, err };
}

beforeEach(async () => {
  source = await freshDatabase("source", "cli");
  target = await freshDatabase("target", "cli");
  await source.sql(MARKER_DDL.join(";\n"));
  dir = mkdtempSync(join(tmpdir(), "cutover-cli-"));
  statePath = join(dir, "m.state.json");
  const state = newState("aurora-migrate@test", new Date());
  state.answers["source.url"] = source.url;
  state.answers["target.url"] = target.url;
  state.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", outcome: "switched" } };
  await writeStateAtomic(statePath, state);
});
afterEach(async () => {
  await source.drop();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("aurora-migrate cutover / cleanup", () => {
  it("GIVEN a state with no DMS task recorded WHEN cutover runs THEN it exits 3 saying what to run first, and freezes nothing", async () => {
    const state = await readState(statePath);
    state.outputs = {};
    await writeStateAtomic(statePath, state);
    const r = await cli("cutover", "--yes", "--skip-validation");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/No DMS task is recorded/);
    expect(r.err).toMatch(/aurora-migrate resume/);
    expect((await readState(statePath)).outputs["cutover"]).toEqual({});
  });

  it("GIVEN a cutover that switched WHEN `cutover --json` runs again THEN stdout holds its report with the window phase by phase and the check after the switch", async () => {
    const state = await readState(statePath);
    const window = { freezeMs: 12, drainMs: 40, keyChangesMs: 3, sequencesMs: 8, hookMs: 150, totalMs: 215 };
    const verification = { mode: "counts", result: "equal", startedAt: "2026-01-01T00:00:01.000Z", ms: 900, tables: 7, differences: [] };
    state.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", switchedAt: "2026-01-01T00:00:00.215Z", outcome: "switched", window, verification } };
    await writeStateAtomic(statePath, state);
    const r = await cli("cutover", "--yes", "--json");
    expect(r.code, r.err).toBe(0);
    const report = envelopeIn<{ window: unknown; verification: unknown }>(r.out, { command: "cutover", exitCode: 0 }).result;
    expect(report.window).toEqual(window);
    expect(report.verification).toEqual(verification);
  });

  it("GIVEN --help WHEN asked for cutover and cleanup THEN each describes its flags with examples and exit codes", async () => {
    const cut = await cli("cutover", "--help");
    expect(cut.code).toBe(0);
    expect(cut.out).toMatch(/--skip-validation\s+skip the row-count checks/);
    expect(cut.out).toMatch(/--unfreeze\s+only lift the write freeze/);
    expect(cut.out).toMatch(/--switched\s+confirm that a switch/);
    expect(cut.out).toMatch(/--verify <how>/);
    expect(cut.out).toMatch(/cutover\.hookTimeoutSeconds +longest any hook may run \(default 300\)/);
    expect(cut.out).toContain("$ aurora-migrate cutover --dry-run");
    expect(cut.out).toMatch(/Exit codes:\n {2}0 +switched/);
    const clean = await cli("cleanup", "--help");
    expect(clean.code).toBe(0);
    for (const flag of ["--keep-task", "--keep-endpoints", "--keep-instance"]) expect(clean.out).toContain(flag);
    expect(clean.out).toContain("$ aurora-migrate cleanup --keep-instance --yes");
  });

  it("GIVEN a switched migration with nothing on AWS recorded WHEN cleanup runs twice THEN both exit 0 and the second says nothing is left", async () => {
    const first = await cli("cleanup", "--yes");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/the aurora_migrate schema on the source/);
    const second = await cli("cleanup", "--yes");
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/Nothing left to clean up/);
  });

  it("GIVEN DMS resources in (fake) AWS WHEN `cleanup` runs twice THEN the first removes them and the second makes no AWS call and ends without error", async () => {
    const fake = new FakeAws();
    const seeded = await seedMigration(fake);
    const state = await readState(statePath);
    Object.assign(state.resources, seeded.resources);
    await writeStateAtomic(statePath, state);
    const options: GlobalOptions = { statePath, yes: true, json: false, dryRun: false, verbose: false, color: false };
    const io = (reporter: MemoryReporter) => ({ reporter, signal: new AbortController().signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) });
    await runCleanupCommand(options, {}, io(new MemoryReporter()));
    expect(fake.tasks.size + fake.endpoints.size + fake.replicationInstances.size).toBe(0);
    fake.calls.length = 0;
    const second = new MemoryReporter();
    await runCleanupCommand(options, {}, io(second));
    expect(fake.calls).toEqual([]);
    expect(second.text).toMatch(/Nothing left to clean up/);
  });
});
