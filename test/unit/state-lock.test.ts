import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OperationError } from "../../src/core/errors.js";
import { acquireLock } from "../../src/state/lock.js";

describe("state lock", () => {
  it("GIVEN a run holds the lock WHEN a second run asks for it THEN it is refused, naming the holder and the lock file", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "am-lock-")), "m.state.json");
    const first = await acquireLock(path, "start");
    const err = (await acquireLock(path, "resume").catch((e: unknown) => e)) as OperationError;
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.hint).toContain(`${path}.lock`);
    await first.release();
    const again = await acquireLock(path, "resume");
    await again.release();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("GIVEN a lock left by a process that no longer runs WHEN a run starts THEN it takes the lock over", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "am-lock-")), "m.state.json");
    // pid 2^22+1 is above Linux's pid_max default, so no such process exists.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 4194305, host: hostname(), startedAt: "earlier", command: "start" }));
    const lock = await acquireLock(path, "resume");
    expect(existsSync(`${path}.lock`)).toBe(true);
    await lock.release();
  });
});

describe("state lock: two runs at the same instant", () => {
  it("GIVEN another run has just created the lock file and not yet written it WHEN a run starts THEN it is refused, not taken over as stale", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "am-lock-")), "m.state.json");
    writeFileSync(`${path}.lock`, "");
    const err = (await acquireLock(path, "resume").catch((e: unknown) => e)) as OperationError;
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toMatch(/Another aurora-migrate run .* is using/);
    expect(existsSync(`${path}.lock`)).toBe(true);
  });

  it("GIVEN a stale lock WHEN several runs take it over at the same instant THEN exactly one gets it", async () => {
    for (let round = 0; round < 20; round++) {
      const path = join(mkdtempSync(join(tmpdir(), "am-lock-")), "m.state.json");
      writeFileSync(`${path}.lock`, JSON.stringify({ pid: 4194305, host: hostname(), startedAt: "earlier", command: "start" }));
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => acquireLock(path, "resume")));
      expect(results.filter((r) => r.status === "fulfilled"), `round ${round}`).toHaveLength(1);
    }
  });
});
