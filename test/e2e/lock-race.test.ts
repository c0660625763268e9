import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const LOCK_MODULE = fileURLToPath(new URL("../../dist/state/lock.js", import.meta.url));

/**
 * A separate process (as a second `aurora-migrate` would be) that waits for the agreed instant,
 * asks for the lock, holds it until `releaseAt` (after every contender has asked) and says
 * whether it got it, and when it asked.
 */
function contender(statePath: string, at: number, releaseAt: number): Promise<{ outcome: string; askedAt: number }> {
  const script = `
    const { acquireLock } = await import(${JSON.stringify(LOCK_MODULE)});
    await new Promise((r) => setTimeout(r, Math.max(0, ${at} - Date.now())));
    const askedAt = Date.now();
    let outcome = "got";
    try {
      const lock = await acquireLock(${JSON.stringify(statePath)}, "start");
      await new Promise((r) => setTimeout(r, Math.max(0, ${releaseAt} - Date.now())));
      await lock.release();
    } catch (err) {
      outcome = "refused: " + err.message;
    }
    console.log(JSON.stringify({ outcome, askedAt }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", () => {
      try {
        resolve(JSON.parse(out) as { outcome: string; askedAt: number });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

describe("the state lock across processes", () => {
  it("GIVEN 12 runs started at the same instant, 4 times over WHEN they race for the lock THEN exactly one gets past it each time and the others are told who holds it", async () => {
    for (let round = 0; round < 4; round++) {
      const statePath = join(mkdtempSync(join(tmpdir(), "am-race-")), "m.state.json");
      const at = Date.now() + 1_500;
      const releaseAt = at + 2_500;
      const results = await Promise.all(Array.from({ length: 12 }, () => contender(statePath, at, releaseAt)));
      // Every contender asked while the winner still held the lock (else the machine was too slow to race).
      expect(results.every((r) => r.askedAt < releaseAt)).toBe(true);
      const outcomes = results.map((r) => r.outcome);
      expect(outcomes.filter((o) => o === "got"), `round ${round}: ${outcomes.join(" | ")}`).toHaveLength(1);
      for (const o of outcomes.filter((x) => x !== "got")) expect(o).toMatch(/^refused: Another aurora-migrate run \(/);
    }
  }, 90_000);
});
