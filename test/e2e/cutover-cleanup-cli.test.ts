import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { main } from "../../src/cli.js";
import { newState } from "../../src/state/schema.js";
import { readState, writeStateAtomic } from "../../src/state/store.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";

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
  it("GIVEN this build without the AWS adapters WHEN cutover runs THEN it exits 1 saying which part is missing, and freezes nothing", async () => {
    const state = await readState(statePath);
    state.outputs = {};
    await writeStateAtomic(statePath, state);
    const r = await cli("cutover", "--yes", "--skip-validation");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Reading the DMS task's status \(the AWS adapters\) is not built yet/);
    expect((await readState(statePath)).outputs["cutover"]).toEqual({});
  });

  it("GIVEN a switched migration with nothing on AWS recorded WHEN cleanup runs twice THEN both exit 0 and the second says nothing is left", async () => {
    const first = await cli("cleanup", "--yes");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/the aurora_migrate schema on the source/);
    const second = await cli("cleanup", "--yes");
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/Nothing left to clean up/);
  });

  it("GIVEN a recorded DMS task and no AWS adapters WHEN cleanup runs THEN it exits 1 before touching anything", async () => {
    const state = await readState(statePath);
    state.resources["task"] = { kind: "dms-task", id: "am-task", createdByUs: true, recordedAt: "2026-01-01T00:00:00.000Z" };
    await writeStateAtomic(statePath, state);
    const r = await cli("cleanup", "--yes");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Stopping the DMS task \(the AWS adapters\) is not built yet/);
    expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toHaveLength(1);
  });
});
