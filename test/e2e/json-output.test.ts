/**
 * `--json` as a script sees it, through the built binary: stdout holds exactly one JSON
 * document, the envelope (`command`, `ok`, `exitCode`, `result` or `error` with `message` and
 * `hint`), on success and on every kind of failure; human text and prompts go to stderr, so a
 * cutover answered on a terminal still leaves valid JSON on stdout.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WIZARD_STEPS } from "../../src/wizard/steps.js";
import { type MigrationState, newState } from "../../src/state/schema.js";
import { readState, writeStateAtomic } from "../../src/state/store.js";
import { BIN, runCli } from "../support/cli.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { envelopeIn } from "../support/json-envelope.js";
import { hasScript, inPty, plain } from "../support/pty.js";
import { shellQuote } from "../../src/core/shell-quote.js";

let source: TestDatabase;
let target: TestDatabase;
let dir: string;
let n = 0;

beforeAll(async () => {
  source = await freshDatabase("source", "json");
  target = await freshDatabase("target", "json");
  const ddl = "CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric); INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 20) g";
  await source.sql(ddl);
  await target.sql(ddl);
  dir = mkdtempSync(join(tmpdir(), "json-output-"));
});
afterAll(async () => {
  await source?.drop();
  await target?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A state file of a migration with its URLs answered; `shape` adds what the test needs. */
async function stateFile(shape: (s: MigrationState) => void = () => undefined): Promise<string> {
  const path = join(dir, `m${++n}.state.json`);
  const state = newState("aurora-migrate@test", new Date());
  state.answers["source.url"] = source.url;
  state.answers["target.url"] = target.url;
  shape(state);
  await writeStateAtomic(path, state);
  return path;
}

const switched = (s: MigrationState): void => {
  s.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", switchedAt: "2026-01-01T00:00:00.215Z", outcome: "switched" } };
};

describe("GIVEN --json on each command of the built CLI", () => {
  it("WHEN status runs on a migration, and on a missing state file THEN stdout is one envelope: ok with the steps, then exit 2 with the message and hint", async () => {
    const ok = await runCli(["status", "--json", "--state", await stateFile()]);
    const doc = envelopeIn<{ steps: { id: string }[]; next: string }>(ok.stdout, { command: "status", exitCode: 0 });
    expect(doc.result.steps.map((s) => s.id)).toEqual(WIZARD_STEPS.map((s) => s.id));
    expect(ok.stderr).toBe("");

    const missing = await runCli(["status", "--json", "--state", join(dir, "nowhere.json")]);
    const err = envelopeIn(missing.stdout, { command: "status", exitCode: 2 });
    expect(err.error?.message).toContain("No state file");
    expect(err.error?.hint).toContain("aurora-migrate start");
    expect(err).not.toHaveProperty("result");
    // The person still reads it on stderr.
    expect(missing.stderr).toContain("No state file");
  });

  it("WHEN check-source passes, blocks, cannot connect, or gets a bad URL THEN each exit (0, 3, 1, 2) leaves one envelope, the blocked one with its findings, and the password never appears", async () => {
    const ready = await runCli(["check-source", source.urlAs("postgres", "Json-S3cret"), "--json", "--schemas", "public"]);
    const okDoc = envelopeIn<{ counts: { blocker: number } }>(ready.stdout, { command: "check-source", exitCode: 0 });
    expect(okDoc.result.counts.blocker).toBe(0);
    expect(ready.stdout + ready.stderr).not.toContain("Json-S3cret");

    await source.sql("CREATE SCHEMA json_blocked; CREATE UNLOGGED TABLE json_blocked.cache (k text PRIMARY KEY)");
    const blocked = await runCli(["check-source", source.url, "--json", "--schemas", "json_blocked"]);
    const bDoc = envelopeIn<{ findings: { check: string; severity: string }[] }>(blocked.stdout, { command: "check-source", exitCode: 3 });
    expect(bDoc.error?.message).toContain("not ready for DMS");
    expect(bDoc.error?.hint).toContain("Apply the fixes");
    expect(bDoc.result.findings.filter((f) => f.severity === "blocker").map((f) => f.check)).toEqual(["tables.unlogged"]);

    const down = await runCli(["check-source", "postgres://app:Json-S3cret@127.0.0.1:1/app", "--json"]);
    const dDoc = envelopeIn(down.stdout, { command: "check-source", exitCode: 1 });
    expect(dDoc.error?.message).toContain("Cannot connect");
    expect(dDoc.error?.hint).toBeTruthy();
    expect(down.stdout + down.stderr).not.toContain("Json-S3cret");

    const bad = await runCli(["check-source", "mysql://app@db/app", "--json"]);
    expect(envelopeIn(bad.stdout, { command: "check-source", exitCode: 2 }).error?.hint).toContain("postgres://");
  });

  it("WHEN validate finds a match, a difference, a bad option, or an unknown flag THEN exits 0, 3 (report in result), 2 and 2 each leave one envelope", async () => {
    const same = await runCli(["validate", "--source", source.url, "--target", target.url, "--schemas", "public", "--json"]);
    const okDoc = envelopeIn<{ differences: number; tables: { table: string }[] }>(same.stdout, { command: "validate", exitCode: 0 });
    expect(okDoc.result.differences).toBe(0);
    expect(okDoc.result.tables.map((t) => t.table)).toContain("orders");
    // Human text went to stderr.
    expect(same.stderr).toContain("Source and target match");

    await target.sql("DELETE FROM public.orders WHERE id = 20");
    try {
      const differ = await runCli(["validate", "--source", source.url, "--target", target.url, "--schemas", "public", "--json"]);
      const dDoc = envelopeIn<{ differences: number; tables: { table: string; status: string }[] }>(differ.stdout, { command: "validate", exitCode: 3 });
      expect(dDoc.error?.message).toContain("Source and target differ");
      expect(dDoc.result.tables.find((t) => t.table === "orders")?.status).toBe("rows-differ");
    } finally {
      await target.sql("INSERT INTO public.orders VALUES (20, 30)");
    }

    const jobs = await runCli(["validate", "--source", source.url, "--target", target.url, "--jobs", "0", "--json"]);
    expect(envelopeIn(jobs.stdout, { command: "validate", exitCode: 2 }).error?.message).toContain("--jobs");
    const flag = await runCli(["validate", "--json", "--no-such-flag"]);
    const fDoc = envelopeIn(flag.stdout, { command: "validate", exitCode: 2 });
    expect(fDoc.error?.message).toContain("--no-such-flag");
    expect(fDoc.error?.hint).toContain("--help");
  });

  it("WHEN sync-sequences runs, misses --target, or cannot reach the target THEN exits 0, 2 and 1 each leave one envelope", async () => {
    const ok = await runCli(["sync-sequences", "--source", source.url, "--target", target.url, "--dry-run", "--json"]);
    expect(envelopeIn<{ dryRun: boolean }>(ok.stdout, { command: "sync-sequences", exitCode: 0 }).result.dryRun).toBe(true);
    const missing = await runCli(["sync-sequences", "--source", source.url, "--json"]);
    expect(envelopeIn(missing.stdout, { command: "sync-sequences", exitCode: 2 }).error?.message).toContain("--target");
    const down = await runCli(["sync-sequences", "--source", source.url, "--target", "postgres://admin@127.0.0.1:1/app", "--json"]);
    expect(envelopeIn(down.stdout, { command: "sync-sequences", exitCode: 1 }).error?.message).toContain("Cannot connect");
  });

  it("WHEN cutover has switched, is not ready, unfreezes, or gets a bad --verify THEN exits 0 (the report), 3, 0 and 2 each leave one envelope", async () => {
    const done = await runCli(["cutover", "--yes", "--json", "--state", await stateFile(switched)]);
    expect(envelopeIn<{ outcome: string }>(done.stdout, { command: "cutover", exitCode: 0 }).result.outcome).toBe("switched");

    const notReady = await runCli(["cutover", "--yes", "--skip-validation", "--json", "--state", await stateFile()]);
    const nDoc = envelopeIn(notReady.stdout, { command: "cutover", exitCode: 3 });
    expect(nDoc.error?.message).toContain("No DMS task is recorded");
    expect(nDoc.error?.hint).toContain("aurora-migrate resume");

    const unfreeze = await runCli(["cutover", "--unfreeze", "--json", "--state", await stateFile()]);
    expect(envelopeIn(unfreeze.stdout, { command: "cutover", exitCode: 0 }).result).toEqual({ unfrozen: false });

    const verify = await runCli(["cutover", "--verify", "sometimes", "--json", "--state", await stateFile()]);
    expect(envelopeIn(verify.stdout, { command: "cutover", exitCode: 2 }).error?.message).toContain("sometimes");
  });

  it("WHEN cleanup runs after the switch, and before it with nobody to confirm THEN exit 0 lists what remains, exit 2 says how to confirm", async () => {
    const ok = await runCli(["cleanup", "--yes", "--json", "--state", await stateFile(switched)]);
    const doc = envelopeIn<{ done: string[]; alreadyGone: string[]; remaining: string[] }>(ok.stdout, { command: "cleanup", exitCode: 0 });
    expect(doc.result.remaining.some((r) => r.startsWith("The old server"))).toBe(true);

    const unconfirmed = await runCli(["cleanup", "--json", "--state", await stateFile()]);
    const uDoc = envelopeIn(unconfirmed.stdout, { command: "cleanup", exitCode: 2 });
    expect(uDoc.error?.message).toContain("needs a confirmation");
    expect(uDoc.error?.hint).toContain("--yes");
  });

  it("WHEN resume finds every step done, start finds a state already there, and demo misses --target THEN exits 0 (the migration's steps), 2 and 2 each leave one envelope", async () => {
    const allDone = await stateFile((s) => {
      for (const step of WIZARD_STEPS) s.steps[step.id] = { status: "done", attempts: 1, findings: [] };
    });
    const resumed = await runCli(["resume", "--yes", "--json", "--state", allDone]);
    const rDoc = envelopeIn<{ next: string | null; steps: { status: string }[] }>(resumed.stdout, { command: "resume", exitCode: 0 });
    expect(rDoc.result.next).toBeNull();
    expect(rDoc.result.steps.every((s) => s.status === "done")).toBe(true);

    const again = await runCli(["start", "--yes", "--json", "--state", allDone]);
    const sDoc = envelopeIn(again.stdout, { command: "start", exitCode: 2 });
    expect(sDoc.error?.hint).toContain("resume");

    const demo = await runCli(["demo", "--yes", "--json", "--source", source.url, "--state", join(dir, "demo.json")]);
    expect(envelopeIn(demo.stdout, { command: "demo", exitCode: 2 }).error?.message).toContain("--target");
  });
});

interface Pty {
  child: ChildProcess;
  /** What the terminal showed (the CLI's stderr and the echo of the keys), colours removed. */
  screen(): string;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  type(keys: string): void;
  done: Promise<number | null>;
}

/**
 * The built CLI on a pseudo-terminal (util-linux `script`), its stdout redirected to `stdoutFile`
 * inside the terminal session, so the terminal is stdin and stderr only. Keys go through a FIFO.
 */
function cliInPty(args: string[], stdoutFile: string): Pty {
  const command = `${[process.execPath, BIN, ...args].map(shellQuote).join(" ")} > ${shellQuote(stdoutFile)}`;
  const { child, output, done, type } = inPty(command, join(dir, `keys${++n}`), { cols: 120, rows: 40 });
  return {
    child,
    screen: () => plain(output()),
    done,
    type,
    waitFor: async (text, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!plain(output()).includes(text)) {
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`The terminal never showed "${text}":\n${plain(output()).slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

describe.skipIf(!hasScript)("GIVEN `cutover --json` in a terminal, its stdout going to a file", () => {
  it("WHEN a person answers its questions at the terminal (latency, row counts, comparison) and the cutover is not ready THEN the questions were on the terminal and the file holds one envelope with exit 3", async () => {
    const out = join(dir, "cutover-not-ready.json");
    const pty = cliInPty(["cutover", "--json", "--state", await stateFile()], out);
    for (const question of ["Highest CDC latency", "Skip the row-count check", "After the switch, compare the frozen source"]) {
      await pty.waitFor(question);
      await new Promise((r) => setTimeout(r, 300));
      pty.type("\r");
    }
    const code = await pty.done;
    expect(code, pty.screen().slice(-2000)).toBe(3);
    const doc = envelopeIn(readFileSync(out, "utf8"), { command: "cutover", exitCode: 3 });
    expect(doc.error?.message).toContain("No DMS task is recorded");
    // The message is on the terminal too, for the person.
    expect(pty.screen()).toContain("No DMS task is recorded");
  }, 90_000);

  it("WHEN a switch was left unfinished and the person confirms at the terminal that the app is on the target THEN exit 0 and the file holds one envelope with the switched report", async () => {
    const statePath = await stateFile((s) => {
      s.outputs["cutover"] = { switch: { hook: "./switch-app.sh", startedAt: "2026-01-01T00:00:00.000Z" } };
    });
    const out = join(dir, "cutover-switched.json");
    const pty = cliInPty(["cutover", "--json", "--state", statePath], out);
    await pty.waitFor("Is the app now using the target");
    await new Promise((r) => setTimeout(r, 300));
    pty.type("y\r");
    const code = await pty.done;
    expect(code, pty.screen().slice(-2000)).toBe(0);
    const doc = envelopeIn<{ outcome: string; switchedAt: string }>(readFileSync(out, "utf8"), { command: "cutover", exitCode: 0 });
    expect(doc.result.outcome).toBe("switched");
    expect((await readState(statePath)).outputs["cutover"]).toMatchObject({ report: { outcome: "switched", switchedAt: doc.result.switchedAt } });
  }, 90_000);
});
