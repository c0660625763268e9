import { describe, expect, it } from "vitest";
import { statusReport } from "../../src/commands/status.js";
import { rollbackWindowLines, rollbackWindowStatus } from "../../src/commands/status-rollback.js";
import { RES } from "../../src/migration/aws/resources.js";
import { writeOutput } from "../../src/migration/outputs/read.js";
import type { RollbackWindowOutput } from "../../src/migration/rollback/record.js";
import { type MigrationState, newState } from "../../src/state/schema.js";

const NOW = new Date("2026-11-24T17:02:30Z");
const options = { statePath: "m.state.json" };

function withWindow(w: RollbackWindowOutput): MigrationState {
  const state = newState("aurora-migrate@test", new Date("2026-11-24T10:00:00Z"));
  state.resources[RES.reverseTask] = { kind: "dms-task", id: "shop-reverse", createdByUs: true, recordedAt: "2026-11-24T13:50:00Z" };
  state.resources[RES.auroraSlot] = { kind: "replication-slot", id: "am_reverse", createdByUs: true, recordedAt: "2026-11-24T14:01:00Z" };
  writeOutput({ state }, "rollback-window", w);
  return state;
}

const OPEN: RollbackWindowOutput = { preparedAt: "2026-11-24T13:50:00.000Z", slot: { name: "am_reverse", status: "created", lsn: "0/1A2B3C" }, openedAt: "2026-11-24T14:02:00.000Z" };

describe("status: the rollback window (issue 14)", () => {
  it("GIVEN an open window with readings WHEN status is built THEN it says open since, the reverse task's latency and the slot's WAL on Aurora, each as of its reading, and the two ways on", () => {
    const state = withWindow({
      ...OPEN,
      readings: { reverseTask: { at: "2026-11-24T16:57:30.000Z", by: "rollback", status: "running", latencySeconds: 2 }, auroraSlot: { at: "2026-11-24T16:57:30.000Z", by: "rollback", retainedBytes: 120 * 1024 * 1024 } },
    });
    const s = rollbackWindowStatus(state, options, NOW)!;
    expect(s).toMatchObject({ state: "open", openedAt: "2026-11-24T14:02:00.000Z", openSeconds: 3 * 3600 + 30, reverseTask: { id: "shop-reverse", status: "running", latencySeconds: 2 }, auroraSlot: { name: "am_reverse", retainedBytes: 120 * 1024 * 1024 } });
    const lines = rollbackWindowLines(s, NOW);
    expect(lines[0]).toBe(
      "  Rollback window: open since 14:02 UTC (3 h 00 min ago); reverse task running, latency 2 s as of 16:57 UTC, 5 min ago, read by `rollback`'s checks; slot on Aurora keeps 120.0 MB as of 16:57 UTC, 5 min ago, read by `rollback`'s checks.",
    );
    expect(lines).toContain("  Go back to the old server: aurora-migrate rollback --state m.state.json");
    expect(lines.some((l) => l.includes("aurora-migrate finish --state m.state.json"))).toBe(true);
    expect(statusReport(state, "m.state.json", undefined, NOW).rollbackWindow).toEqual(s);
  });

  it("GIVEN an open window nothing has read yet WHEN status is built THEN both say not measured yet", () => {
    const lines = rollbackWindowLines(rollbackWindowStatus(withWindow(OPEN), options, NOW)!, NOW);
    expect(lines[0]).toBe("  Rollback window: open since 14:02 UTC (3 h 00 min ago); reverse task shop-reverse: not measured yet; slot am_reverse on Aurora: not measured yet.");
  });

  it("GIVEN the key-change capture installed on Aurora WHEN status is built THEN it says how many key changes were last counted there, or that none were counted yet", () => {
    const capture = { status: "installed" as const, tables: 3, installedAt: "2026-11-24T13:55:00.000Z" };
    const unread = rollbackWindowStatus(withWindow({ ...OPEN, keyCapture: capture }), options, NOW)!;
    expect(unread.keyChanges).toEqual({ notMeasured: true });
    expect(rollbackWindowLines(unread, NOW)[0]).toMatch(/; primary-key changes on Aurora: not counted yet\.$/);
    const counted = rollbackWindowStatus(
      withWindow({ ...OPEN, keyCapture: capture, readings: { auroraKeyChanges: { at: "2026-11-24T16:57:30.000Z", by: "rollback", count: 4 } } }),
      options,
      NOW,
    )!;
    expect(counted.keyChanges).toMatchObject({ count: 4, read: { by: "rollback", ageSeconds: 300 } });
    expect(rollbackWindowLines(counted, NOW)[0]).toMatch(/; 4 primary-key change\(s\) recorded on Aurora \(rollback re-copies those rows\) as of 16:57 UTC, 5 min ago, read by `rollback`'s checks\.$/);
    // Once finish removed the capture, nothing is said about it.
    expect(rollbackWindowStatus(withWindow({ ...OPEN, keyCapture: { ...capture, status: "removed" } }), options, NOW)).not.toHaveProperty("keyChanges");
  });

  it("GIVEN a rollback switched back, or finish ended the window WHEN status is built THEN it says so (and what removes the reverse path after a rollback)", () => {
    const back = rollbackWindowStatus(withWindow({ ...OPEN, rollback: { startedAt: "2026-11-24T16:00:00.000Z", outcome: "switched-back", finishedAt: "2026-11-24T16:00:09.000Z", windowMs: 4200 } }), options, NOW)!;
    expect(back.state).toBe("switched-back");
    const lines = rollbackWindowLines(back, NOW);
    expect(lines[0]).toMatch(/^ {2}Rollback window: rolled back at 16:00 UTC: the app is on the old server \(write window 4200 ms\);/);
    expect(lines).toContain("  Remove the reverse path: aurora-migrate finish --state m.state.json");

    const state = withWindow({ ...OPEN, slot: { name: "am_reverse", status: "dropped" }, finishedAt: "2026-11-24T17:00:00.000Z" });
    state.resources[RES.reverseTask]!["deletedAt"] = "2026-11-24T16:59:00.000Z";
    const done = rollbackWindowStatus(state, options, NOW)!;
    expect(done).toMatchObject({ state: "finished", next: [] });
    expect(done).not.toHaveProperty("reverseTask");
    expect(done).not.toHaveProperty("auroraSlot");
    expect(rollbackWindowLines(done, NOW)).toEqual(["  Rollback window: ended by finish at 17:00 UTC."]);
  });

  it("GIVEN no window recorded WHEN status is built THEN there is no rollbackWindow", () => {
    expect(statusReport(newState("aurora-migrate@test", NOW), "m.state.json", undefined, NOW)).not.toHaveProperty("rollbackWindow");
  });
});

describe("status: what comes next while step 13 waits for the rollback window", () => {
  it("GIVEN every step before the cleanup done and the window open WHEN status is shown THEN Next names finish and rollback, not resume (which would only wait again)", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { writeStateAtomic } = await import("../../src/state/store.js");
    const { MemoryReporter } = await import("../../src/ui/reporter.js");
    const { showStatus } = await import("../../src/commands/status.js");
    const { STEP_TITLES } = await import("../../src/wizard/step-titles.js");
    const state = withWindow(OPEN);
    for (const { id } of STEP_TITLES) if (id !== "cleanup") state.steps[id] = { status: "done", attempts: 1, findings: [] };
    const statePath = join(mkdtempSync(join(tmpdir(), "am-status-")), "m.state.json");
    await writeStateAtomic(statePath, state);
    const reporter = new MemoryReporter();
    await showStatus({ statePath, yes: false, json: false, dryRun: false, verbose: false, color: false }, reporter);
    const next = reporter.lines.find((l) => l.includes("Next:"));
    expect(next).toContain("the rollback window is open");
    expect(next).toContain(`aurora-migrate finish --state ${statePath}`);
    expect(next).toContain(`aurora-migrate rollback --state ${statePath}`);
    expect(next).not.toContain("resume");
  });
});
