/**
 * The demo in terminals of two widths, run as a person or a CI wrapper would: the built binary
 * on a pseudo-terminal from util-linux's `script` (see demo-pty.test.ts), unattended (--yes).
 * A terminal that reports 0 columns is what `script` gives when started from a non-terminal,
 * and what some CI and container wrappers give.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN } from "../support/cli.js";
import { plain } from "../support/pty.js";
import { type DemoServers, startDemoServers } from "../support/demo-e2e.js";
import { screenLines } from "../support/terminal-screen.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;

/** More than this is a runaway redraw loop (the 0-column hang wrote 82 MB in 300 s). */
const MAX_OUTPUT = 4 * 1024 * 1024;
const DEADLINE_MS = 150_000;
const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// eslint-disable-next-line no-control-regex
const CURSOR_CODES = /\u001b\[\d*[ABCDGJK]/;
// eslint-disable-next-line no-control-regex
const COLOUR_CODES = /\u001b\[[0-9;]*m/;

let d: DemoServers;
let dir: string;
beforeEach(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "term-width-"));
});
afterEach(async () => {
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  /** Killed by the test: over the deadline or the output limit. */
  killed?: string;
  raw: string;
}

/** The demo on a `columns`-wide pty; killed (process group) if it runs away. */
function demoInPty(columns: number, env: Record<string, string> = {}): Promise<Outcome> {
  const shq = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const cmd = [process.execPath, BIN, "demo", "--yes", "--source", d.sourceUrl, "--target", d.targetUrl, "--state", join(dir, "m.state.json"), "--full-load-delay", "1500", "--no-writes-after-switch"]
    .map(shq)
    .join(" ");
  const child = spawn("script", ["-qfec", `stty cols ${columns} rows 50; exec ${cmd}`, "/dev/null"], {
    env: { ...process.env, TERM: "xterm-256color", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let raw = "";
  let killed: string | undefined;
  const kill = (why: string): void => {
    if (killed) return;
    killed = why;
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  };
  const timer = setTimeout(() => kill(`still running after ${DEADLINE_MS / 1000} s`), DEADLINE_MS);
  const collect = (b: Buffer): void => {
    raw += b.toString();
    if (raw.length > MAX_OUTPUT) kill(`more than ${MAX_OUTPUT} characters of output`);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, raw, ...(killed ? { killed } : {}) });
    }),
  );
}

/** Lines of the final transcript where a spinner frame stayed behind, glued to what was printed after it. */
function leftFrames(raw: string, columns: number): string[] {
  return screenLines(raw, columns).filter((l) => SPINNER_FRAME.test(l));
}

describe.skipIf(!hasScript)("GIVEN the demo on a terminal", () => {
  it("WHEN the terminal reports 0 columns THEN the run ends by itself with bounded output, in plain lines: no spinner frame, no cursor movement", async () => {
    const out = await demoInPty(0);
    expect(out.killed, plain(out.raw.slice(-2000))).toBeUndefined();
    expect(out.code, plain(out.raw.slice(-3000))).toBe(0);
    expect(out.raw.length).toBeLessThan(1024 * 1024);
    expect(plain(out.raw)).toContain("Every step is done.");
    expect(out.raw).not.toMatch(SPINNER_FRAME);
    expect(out.raw).not.toMatch(CURSOR_CODES);
    // Waits are said in plain lines instead.
    expect(plain(out.raw)).toContain("… Waiting for the full load of");
  }, 200_000);

  it("WHEN the terminal is 80 columns wide, with NO_COLOR THEN spinners animate without colour, no line keeps a spinner frame next to a message, and the full load shows a bar", async () => {
    const out = await demoInPty(80, { NO_COLOR: "1" });
    expect(out.killed, plain(out.raw.slice(-2000))).toBeUndefined();
    expect(out.code, plain(out.raw.slice(-3000))).toBe(0);
    expect(out.raw.length).toBeLessThan(MAX_OUTPUT);
    expect(plain(out.raw)).toContain("Every step is done.");
    // It did animate: frames were drawn, and each was cleared before anything else was printed.
    expect(out.raw).toMatch(SPINNER_FRAME);
    expect(leftFrames(out.raw, 80)).toEqual([]);
    // Lines printed during the full load's wait stand on their own.
    expect(screenLines(out.raw, 80)).toContainEqual(expect.stringMatching(/^DMS created the replication slot /));
    expect(plain(out.raw)).toMatch(/\[[█░]{10}\] \d+% {2}tables \d+\/\d+ \(/);
    expect(out.raw).not.toMatch(COLOUR_CODES);
  }, 200_000);
});
