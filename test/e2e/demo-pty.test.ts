/**
 * The demo as a person runs it: the real binary in a pseudo-terminal, every question answered
 * by keystrokes. The terminal is util-linux's `script` (Debian's bsdutils, present on every
 * Debian/Ubuntu machine; no native build, unlike node-pty): `script -qfec CMD /dev/null` runs CMD
 * on a new pty and relays it to our pipes.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellQuote } from "../../src/core/shell-quote.js";
import { BIN } from "../support/cli.js";
import { hasScript, inPty, plain } from "../support/pty.js";
import { type DemoServers, startDemoServers } from "../support/demo-e2e.js";

let d: DemoServers;
let dir: string;

beforeAll(async () => {
  d = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "demo-pty-"));
});
afterAll(async () => {
  await d?.servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasScript)("GIVEN the demo in a terminal", () => {
  it("WHEN a person presses Enter at every question, typing one answer (the cluster's name) THEN the wizard runs from the first question to the end with those answers", async () => {
    const statePath = join(dir, "m.state.json");
    const session = inPty([process.execPath, BIN, "demo", "--source", d.sourceUrl, "--target", d.targetUrl, "--state", statePath, "--no-writes-after-switch"].map(shellQuote).join(" "), join(dir, "keys"), { cols: 160, rows: 50 });
    let exited = false;
    void session.done.then(() => (exited = true));
    let lastLength = -1;
    let quietSince = Date.now();
    let typed = false;
    let answers = 0;
    const deadline = Date.now() + 240_000;
    // Answer whenever the program waits quietly at a prompt (spinners animate while it works).
    while (!exited && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const out = session.output();
      if (out.length !== lastLength) {
        lastLength = out.length;
        quietSince = Date.now();
        continue;
      }
      if (Date.now() - quietSince < 800) continue;
      const tail = plain(out.slice(-2000));
      const lastPrompt = tail.lastIndexOf("?");
      if (lastPrompt < 0) continue;
      if (!typed && tail.slice(lastPrompt).includes("Identifier of the new Aurora cluster")) {
        session.type("typed-aurora");
        await new Promise((r) => setTimeout(r, 200));
        typed = true;
      }
      session.type("\r");
      answers += 1;
      quietSince = Date.now();
    }
    const code = await session.done;
    const out = plain(session.output());
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toContain("Every step is done.");
    expect(out).toContain("validate --checksum: clean");
    expect(answers).toBeGreaterThan(20);
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { answers: Record<string, unknown> };
    expect(state.answers["aurora.clusterId"]).toBe("typed-aurora");
    // Enter took the demo's preselected answers.
    expect(state.answers["source.url"]).toBe(d.sourceUrl);
    expect(state.answers["dms.instance.id"]).toBe("shop-dms");
  }, 300_000);
});
