import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/** Nothing listens on port 1: step 1 fails at once, after the state file is written. */
const DEAD_SOURCE = "postgres://app@127.0.0.1:1/app";

describe("the built CLI: a `start` that failed, then `start` again", () => {
  it("GIVEN a start that failed in step 1 WHEN start runs again THEN it is refused (exit 2) naming `aurora-migrate resume --state …`, where it stopped, and how to start over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-start-"));
    const state = join(dir, "m.state.json");
    const first = await runCli(["start", "--source", DEAD_SOURCE, "--yes", "--state", state]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`continue with: aurora-migrate resume --state ${state} (not \`start\`: ${state} now records this migration)`);
    expect(existsSync(state)).toBe(true);

    const again = await runCli(["start", "--source", DEAD_SOURCE, "--yes", "--state", state]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`A migration is already recorded in ${state.replace(/[.]/g, "\\.")} \\(started [^;]+; step 1/13 \\(Source connection\\) failed\\)\\.`));
    expect(again.stderr).toContain(`Continue it with: aurora-migrate resume --state ${state}`);
    expect(again.stderr).toContain(`To start over instead: pass another --state path to \`start\`, or delete ${state} (rm ${state}); it records no resource this migration created, so nothing is left behind.`);
    // Refused, so untouched.
    expect(JSON.parse(readFileSync(state, "utf8"))).toMatchObject({ steps: { "source-connection": { status: "failed" } } });
  });

  it("GIVEN the default state file recording AWS resources WHEN start runs again THEN the refusal names --state anyway, and says to clean up before deleting the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "am-start-"));
    const first = await runCli(["start", "--source", DEAD_SOURCE, "--yes"], { cwd: dir });
    expect(first.code).toBe(1);
    const path = join(dir, "aurora-migrate.state.json");
    const recorded = JSON.parse(readFileSync(path, "utf8")) as { resources: Record<string, unknown> };
    recorded.resources["dms-instance"] = { kind: "dms-replication-instance", id: "shop-dms", createdByUs: true, recordedAt: "2026-05-02T10:00:00.000Z" };
    writeFileSync(path, JSON.stringify(recorded));

    const again = await runCli(["start", "--source", DEAD_SOURCE, "--yes"], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("Continue it with: aurora-migrate resume --state ./aurora-migrate.state.json");
    expect(again.stderr).toContain(
      "it records 1 resource(s) this migration created (dms-replication-instance shop-dms): delete them first with `aurora-migrate cleanup --state ./aurora-migrate.state.json`, or nothing will track them any more.",
    );
  });
});
