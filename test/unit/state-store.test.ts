import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../../src/core/errors.js";
import { STATE_VERSION, newState } from "../../src/state/schema.js";
import { readState, writeStateAtomic } from "../../src/state/store.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "am-state-"));

describe("state file", () => {
  it("GIVEN a state WHEN saved THEN it is readable back, mode 0600, with no temp file left beside it", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    const state = newState("aurora-migrate@test", new Date("2026-01-01T00:00:00Z"));
    state.answers["source.url"] = "postgres://app@db:5432/app";
    state.steps["source-connection"] = { status: "done", attempts: 1, findings: [] };
    await writeStateAtomic(path, state);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(["m.state.json"]);
    const back = await readState(path);
    expect(back.answers["source.url"]).toBe("postgres://app@db:5432/app");
    expect(back.steps["source-connection"]?.status).toBe("done");
  });

  it("GIVEN a state file written before answers kept a history WHEN read THEN it loads, with an empty history", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    const old = { ...newState("aurora-migrate@0.0.9", new Date("2026-01-01T00:00:00Z")), version: 1, answers: { "cutover.switch-hook": "./switch.sh" } } as Record<string, unknown>;
    delete old["answerHistory"];
    writeFileSync(path, JSON.stringify(old));
    const back = await readState(path);
    expect(back.answers["cutover.switchHook"]).toBe("./switch.sh");
    expect(back.answerHistory).toEqual({});
  });

  it("GIVEN a version-1 state file with answers under the old kebab-case ids WHEN read THEN answers and their history are under the dotted camelCase ids, the rest untouched, and the file itself unchanged", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    const replaced = { value: "./switch.sh --bad", replacedAt: "2026-01-01T00:00:00.000Z", by: "config" };
    const old = {
      ...newState("aurora-migrate@0.1.0", new Date("2026-01-01T00:00:00Z")),
      version: 1,
      answers: { "source.url": "postgres://app@db/app", "cutover.switch-hook": "./switch.sh", "cutover.max-latency-seconds": 8, "cleanup.drop-slot": false, "cutover.freeze-roles": ["shop"] },
      answerHistory: { "cutover.switch-hook": [replaced] },
    };
    writeFileSync(path, JSON.stringify(old));
    const before = readFileSync(path);
    const back = await readState(path);
    expect(back.version).toBe(STATE_VERSION);
    expect(back.answers).toEqual({ "source.url": "postgres://app@db/app", "cutover.switchHook": "./switch.sh", "cutover.maxLatencySeconds": 8, "cleanup.dropSlot": false, "cutover.freezeRoles": ["shop"] });
    expect(back.answerHistory).toEqual({ "cutover.switchHook": [replaced] });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("GIVEN a version-2 state file with the target's URL copied into the target.url answer and the cluster's resource WHEN read THEN the target is kept once, in step 3's output, and the file itself unchanged", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    const target = { host: "shop.cluster-abc.eu-west-1.rds.amazonaws.com", port: 5432, database: "shop", user: "postgres", params: { sslmode: "require" } };
    const at = "2026-01-01T00:00:00.000Z";
    const old = {
      ...newState("aurora-migrate@0.1.0", new Date(at)),
      version: 2,
      answers: { "source.url": "postgres://app@db/shop", "target.url": "postgres://postgres@shop.cluster-abc.eu-west-1.rds.amazonaws.com:5432/shop?sslmode=require" },
      outputs: { "aurora-cluster": { clusterId: "shop", writerEndpoint: target.host, port: 5432, target, targetVia: "endpoint" } },
      resources: {
        "aurora-cluster": { kind: "aurora-cluster", id: "shop", arn: "arn:aws:rds:eu-west-1:1:cluster:shop", createdByUs: true, recordedAt: at, endpoint: target.host, port: 5432 },
        "dms-task": { kind: "dms-task", id: "shop-task", createdByUs: true, recordedAt: at, port: 1 },
      },
    };
    writeFileSync(path, JSON.stringify(old));
    const before = readFileSync(path);
    const back = await readState(path);
    expect(back.version).toBe(STATE_VERSION);
    expect(back.answers).toEqual({ "source.url": "postgres://app@db/shop" });
    expect(back.outputs["aurora-cluster"]).toEqual(old.outputs["aurora-cluster"]);
    expect(back.resources["aurora-cluster"]).toEqual({ kind: "aurora-cluster", id: "shop", arn: "arn:aws:rds:eu-west-1:1:cluster:shop", createdByUs: true, recordedAt: at });
    expect(back.resources["dms-task"]).toEqual(old.resources["dms-task"]);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("GIVEN a version-2 state file whose target.url the user gave (a tunnel), or older with no recorded target WHEN read THEN the answer stays", async () => {
    const d = dir();
    const tunnel = "postgres://postgres@localhost:15432/shop?sslmode=require";
    const target = { host: "localhost", port: 15432, database: "shop", user: "postgres", params: { sslmode: "require" } };
    for (const [name, outputs] of [
      ["tunnel", { "aurora-cluster": { clusterId: "shop", target, targetVia: "target.url" } }],
      ["older", { "aurora-cluster": { clusterId: "shop" } }],
    ] as const) {
      const path = join(d, `${name}.state.json`);
      writeFileSync(path, JSON.stringify({ ...newState("aurora-migrate@0.1.0", new Date()), version: 2, answers: { "target.url": tunnel }, outputs }));
      expect((await readState(path)).answers["target.url"]).toBe(tunnel);
    }
  });

  it("GIVEN a truncated state file WHEN read THEN exit-2 error and the file is byte-identical", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    await writeStateAtomic(path, newState("aurora-migrate@test", new Date()));
    const full = readFileSync(path);
    const truncated = full.subarray(0, Math.floor(full.length / 2));
    writeFileSync(path, truncated);
    const err = await readState(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
    expect((err as UsageError).message).toMatch(/not valid JSON/);
    expect(readFileSync(path).equals(truncated)).toBe(true);
  });

  it("GIVEN a state file from a newer version WHEN read THEN it is refused with exit 2, naming both versions", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    const doc = { ...newState("aurora-migrate@future", new Date()), version: STATE_VERSION + 1 };
    writeFileSync(path, JSON.stringify(doc));
    const before = readFileSync(path);
    const err = (await readState(path).catch((e: unknown) => e)) as UsageError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain(`state version ${STATE_VERSION + 1}`);
    expect(err.message).toContain(`reads up to ${STATE_VERSION}`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("GIVEN a state file with a wrong field WHEN read THEN every problem is listed", async () => {
    const d = dir();
    const path = join(d, "m.state.json");
    const doc = { ...newState("x", new Date()), steps: { a: { status: "bogus", attempts: -1 } }, answers: "nope" };
    writeFileSync(path, JSON.stringify(doc));
    const err = (await readState(path).catch((e: unknown) => e)) as UsageError;
    expect(err.exitCode).toBe(ExitCode.usage);
    const details = err.details.join("\n");
    expect(details).toContain("answers");
    expect(details).toContain("steps.a.status");
    expect(details).toContain("steps.a.attempts");
  });

  it("GIVEN no file WHEN read THEN exit 2 saying how to start", async () => {
    const err = (await readState(join(dir(), "missing.json")).catch((e: unknown) => e)) as UsageError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.hint).toContain("aurora-migrate start");
  });
});
