import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RES } from "../../src/migration/aws/resources.js";
import { writeOutput } from "../../src/migration/outputs/read.js";
import { newState } from "../../src/state/schema.js";
import { writeStateAtomic } from "../../src/state/store.js";
import { STEP_TITLES } from "../../src/wizard/step-titles.js";
import { type CliResult, runCli } from "../support/cli.js";
import { envelopeIn } from "../support/json-envelope.js";

/**
 * issue 16: `status` (and every command that prints only what is recorded) loads no step, no
 * pg, no AWS SDK, no ora or inquirer. The built CLI runs under a resolve hook
 * (support/load-recorder.mjs) that logs every specifier and the URL it resolved to; a bundle
 * chunk it loaded is read for esbuild's `// src/…` module comments, so a step bundled into a
 * chunk counts too. The same harness sees `pg` for check-source and the steps for resume.
 */
const RECORDER = fileURLToPath(new URL("../support/load-recorder.mjs", import.meta.url));
const FORBIDDEN_PACKAGE = /^(pg|ora|@aws-sdk\/[^/]+|@inquirer\/[^/]+)$/;

let dir: string;
let statePath: string;
let runs = 0;

interface Loaded {
  /** Bare specifiers resolved, as package names. */
  packages: string[];
  /** src/… modules loaded: from dist or src URLs, and from the `// src/…` comments of loaded bundle chunks. */
  modules: string[];
}

async function runRecorded(args: string[]): Promise<CliResult & { loaded: Loaded }> {
  const log = join(dir, `loads-${++runs}.jsonl`);
  const result = await runCli(args, { cwd: dir, env: { AM_LOAD_LOG: log, NODE_OPTIONS: `--import ${RECORDER}` } });
  const entries = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { specifier: string; url: string });
  const packages = new Set<string>();
  const modules = new Set<string>();
  for (const { specifier, url } of entries) {
    if (!/^(\.|\/|node:|file:|data:)/.test(specifier)) packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] ?? specifier));
    const ours = /\/(?:src|dist)\/(.+)\.[jt]s$/.exec(url);
    if (ours?.[1] && !ours[1].startsWith("bundle/")) modules.add(`src/${ours[1]}.ts`);
    if (ours?.[1]?.startsWith("bundle/")) for (const m of readFileSync(fileURLToPath(url), "utf8").matchAll(/^\/\/ (src\/\S+\.ts)$/gm)) modules.add(m[1] ?? "");
  }
  return { ...result, loaded: { packages: [...packages].sort(), modules: [...modules].sort() } };
}

/** What a command that only prints what is recorded must not have loaded. */
function offenders(l: Loaded): string[] {
  return [...l.packages.filter((p) => FORBIDDEN_PACKAGE.test(p)), ...l.modules.filter((m) => m.startsWith("src/steps/"))];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "am-status-loads-"));
  statePath = join(dir, "m.state.json");
  // A migration in its full load, with a slot, the full load's progress and the sync wait's records.
  const now = new Date();
  const at = new Date(now.getTime() - 180_000).toISOString();
  const state = newState("aurora-migrate@test", now);
  state.answers["source.url"] = "postgres://app@127.0.0.1:1/shop";
  for (const { id } of STEP_TITLES.slice(0, 7)) state.steps[id] = { status: "done", attempts: 1, findings: [] };
  state.steps["full-load"] = { status: "running", attempts: 1, findings: [] };
  state.resources[RES.slot] = { kind: "replication-slot", id: "dms_slot_abc", createdByUs: true, recordedAt: at };
  const place = { state, options: { statePath } };
  writeOutput(place, "full-load", { startedAt: at, progress: { at, percent: 40, tablesLoaded: 2, tablesTotal: 5, rowsLoaded: 4_000_000, rowsTotal: 10_000_000, rowsPerSecond: 20_000, etaSeconds: 300 } });
  writeOutput(place, "dms-task", {
    taskId: "shop-task",
    taskArn: "arn:aws:dms:eu-west-1:1:task:ABC",
    taskResourceId: "ABC",
    instanceId: "shop-dms",
    schemas: ["public"],
    parallelLoad: {
      thresholdBytes: 1024 ** 3,
      maxFullLoadSubTasks: 16,
      split: [{ schema: "public", table: "orders", sizeBytes: 12.4 * 1024 ** 3, key: [{ name: "id", type: "bigint" }], boundaries: [["1000"], ["2000"], ["3000"], ["4000"], ["5000"], ["6000"], ["7000"]] }],
      whole: [{ schema: "public", table: "notes", sizeBytes: 3 * 1024 ** 3, reason: "key column code is of type text, not split on" }],
    },
  });
  writeOutput(place, "key-changes", { capture: "installed", tables: [{ schema: "public", table: "orders" }] });
  writeOutput(place, "source-watch", {
    wal: { at, by: "full-load", slot: "dms_slot_abc", retainedBytes: 1_288_490_189, growthPerHour: 314_572_800, level: "warn", message: "The replication slot keeps 1.2 GB of WAL on the source, +300 MB/h; max_slot_wal_keep_size = -1 (unlimited) and no disk budget: the source's disk is the only limit" },
    keyChanges: { at, by: "full-load", recorded: 7 },
  });
  writeOutput(place, "schema-drift", { at, by: "sync-wait", compared: 42, changes: ["column public.orders.note (text) added on the source after the schema load; run on the target: ALTER TABLE public.orders ADD COLUMN note text;"] });
  // An open rollback window (issue 14), its readings recorded by `rollback`'s checks.
  state.resources[RES.reverseTask] = { kind: "dms-task", id: "shop-reverse", createdByUs: true, recordedAt: at };
  writeOutput(place, "rollback-window", {
    preparedAt: at,
    slot: { name: "am_reverse", status: "created", lsn: "0/1A2B3C" },
    openedAt: new Date(now.getTime() - 3 * 3_600_000).toISOString(),
    readings: { reverseTask: { at, by: "rollback", status: "running", latencySeconds: 2 }, auroraSlot: { at, by: "rollback", retainedBytes: 125_829_120 } },
  });
  await writeStateAtomic(statePath, state);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("commands that print only what is recorded load no step, no pg, no SDK (issue 16)", () => {
  it("GIVEN a migration with a slot, the full load's and the sync wait's records WHEN status runs THEN it prints the recorded readings with their age and loads none of them", async () => {
    const run = await runRecorded(["status", "--state", statePath]);
    expect(run.code, run.stderr).toBe(0);
    expect(offenders(run.loaded)).toEqual([]);
    expect(run.loaded.modules).toContain("src/commands/status.ts"); // the harness does see our modules
    expect(run.stdout).toMatch(/WARN: The replication slot keeps 1\.2 GB of WAL on the source, \+300 MB\/h;.*\(slot dms_slot_abc\)/);
    expect(run.stdout).toMatch(/As of \d\d:\d\d UTC, 3 min ago, read by the full load's wait\./);
    expect(run.stdout).toContain(`Fresh reading: \`aurora-migrate resume --state ${statePath}\``);
    expect(run.stdout).toMatch(/7 primary-key change\(s\) recorded on the source \(trigger on 1 table\(s\)\), as of \d\d:\d\d UTC, 3 min ago/);
    expect(run.stdout).toMatch(/Schema drift: 1 change\(s\) on the source the target lacks, as of \d\d:\d\d UTC, 3 min ago, read by the sync wait;/);
    expect(run.stdout).toContain("ALTER TABLE public.orders ADD COLUMN note text;");
    expect(run.stdout).toContain("Full load (as last recorded)");
    expect(run.stdout).toContain("Parallel load: public.orders in 8 ranges on id (12 GiB); 1 table loaded whole: public.notes; MaxFullLoadSubTasks 16");
    expect(run.stdout).toContain("  public.notes (3.0 GiB) loaded whole: key column code is of type text, not split on");
    expect(run.stdout).toMatch(/Rollback window: open since \d\d:\d\d UTC \(3 h 00 min ago\); reverse task running, latency 2 s as of \d\d:\d\d UTC, 3 min ago, read by `rollback`'s checks; slot on Aurora keeps 120\.0 MB as of/);
    expect(run.stdout).toContain(`Go back to the old server: aurora-migrate rollback --state ${statePath}`);
  });

  it("GIVEN the same state WHEN status --json, --help, --version, status --help and answers run THEN none loads them either", async () => {
    const json = await runRecorded(["status", "--json", "--state", statePath]);
    expect(offenders(json.loaded)).toEqual([]);
    const doc = envelopeIn<{ walRetention: { ageSeconds: number; retainedBytes: number; fresh: string }; keyChanges: { recorded: number }; schemaDrift: { changes: string[] } }>(json.stdout, { command: "status", exitCode: 0 }).result;
    expect(doc.walRetention).toMatchObject({ retainedBytes: 1_288_490_189 });
    expect(doc.walRetention.ageSeconds).toBeGreaterThanOrEqual(180);
    expect(doc.keyChanges.recorded).toBe(7);
    expect(doc.schemaDrift.changes).toHaveLength(1);
    expect((doc as { rollbackWindow?: unknown }).rollbackWindow).toMatchObject({ state: "open", reverseTask: { id: "shop-reverse", status: "running", latencySeconds: 2 }, auroraSlot: { name: "am_reverse", retainedBytes: 125_829_120 } });
    expect((doc as { parallelLoad?: unknown }).parallelLoad).toEqual({
      thresholdBytes: 1024 ** 3,
      maxFullLoadSubTasks: 16,
      split: [{ schema: "public", table: "orders", sizeBytes: 12.4 * 1024 ** 3, columns: ["id"], ranges: 8, boundaries: [["1000"], ["2000"], ["3000"], ["4000"], ["5000"], ["6000"], ["7000"]] }],
      whole: [{ schema: "public", table: "notes", sizeBytes: 3 * 1024 ** 3, reason: "key column code is of type text, not split on" }],
    });
    for (const args of [["--help"], ["--version"], ["status", "--help"], ["answers"]]) {
      const run = await runRecorded(args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      expect(offenders(run.loaded), args.join(" ")).toEqual([]);
    }
  });

  it("GIVEN commands that do connect or run steps WHEN recorded the same way THEN the harness sees pg (check-source) and the steps (resume)", async () => {
    const check = await runRecorded(["check-source", "postgres://nobody@127.0.0.1:1/none"]);
    expect(offenders(check.loaded)).toContain("pg");
    const resume = await runRecorded(["resume", "--state", join(dir, "empty.state.json")]);
    expect(offenders(resume.loaded).some((m) => m.startsWith("src/steps/"))).toBe(true);
  });
});
