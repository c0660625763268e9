import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { showStatus, statusReport, stepNotes } from "../../src/commands/status.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { type Finding, newState, type MigrationState } from "../../src/state/schema.js";
import { writeStateAtomic } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

const at = (minute: number): string => `2026-05-02T10:${String(minute).padStart(2, "0")}:00.000Z`;

/** A migration whose cleanup started at 10:00, as run-cleanup.ts records it. */
function cleanedState(opts: { finished: boolean }): MigrationState {
  const state = newState("aurora-migrate@test", new Date(at(0)));
  const rec = (kind: string, id: string, extra: Record<string, unknown> = {}) => ({ kind, id, createdByUs: true, recordedAt: at(0), ...extra });
  state.resources["dms-task"] = rec("dms-task", "shop-task", { arn: "arn:aws:dms:eu-west-1:1:task:T", stoppedAt: at(1), deletedAt: at(2) });
  state.resources["dms-source-endpoint"] = rec("dms-endpoint", "shop-source", { deletedAt: at(3) });
  state.resources["dms-instance"] = rec("dms-replication-instance", "shop-dms", opts.finished ? { deletedAt: at(4) } : {});
  state.resources["aurora-cluster"] = rec("aurora-cluster", "shop-aurora");
  state.resources["dms-security-group"] = { ...rec("security-group", "sg-0abc"), createdByUs: false };
  state.steps["cleanup"] = { status: opts.finished ? "done" : "interrupted", startedAt: at(0), ...(opts.finished ? { finishedAt: at(5) } : {}), attempts: 1, findings: [] };
  state.outputs["cleanup"] = {
    startedAt: at(0),
    ...(opts.finished
      ? {
          ranAt: at(5),
          done: ["the DMS task shop-task", "the DMS endpoint shop-source", "the DMS replication instance shop-dms", "replication slot dms_slot_1"],
          alreadyGone: [],
          remaining: ["Aurora cluster shop-aurora: your new database"],
        }
      : {}),
  };
  return state;
}

async function status(state: MigrationState, json: boolean): Promise<{ reporter: MemoryReporter; statePath: string }> {
  const statePath = join(mkdtempSync(join(tmpdir(), "am-status-")), "m.state.json");
  await writeStateAtomic(statePath, state);
  const options: GlobalOptions = { statePath, yes: false, json, dryRun: false, verbose: false, color: false };
  const reporter = new MemoryReporter(json);
  await showStatus(options, reporter);
  return { reporter, statePath };
}

describe("status after cleanup", () => {
  it("GIVEN a finished cleanup WHEN status runs THEN deleted resources are shown as deleted with when, the kept ones as present, and the cleanup's start, end, work and what remains", async () => {
    const { reporter } = await status(cleanedState({ finished: true }), false);
    const lines = reporter.lines;
    expect(lines).toContain("  dms-task: shop-task (arn:aws:dms:eu-west-1:1:task:T) — deleted 2026-05-02T10:02:00.000Z");
    expect(lines).toContain("  dms-replication-instance: shop-dms — deleted 2026-05-02T10:04:00.000Z");
    expect(lines).toContain("  aurora-cluster: shop-aurora");
    expect(lines).toContain("  security-group: sg-0abc — existing, not ours to delete");
    const cleanup = lines.slice(lines.indexOf("Cleanup"));
    expect(cleanup).toContain(`  Started ${at(0)}; the last run finished ${at(5)}.`);
    expect(cleanup).toContain("  Deleted (3):");
    expect(cleanup).toContain(`    ✔ dms-endpoint shop-source, deleted ${at(3)}`);
    // The slot is not an AWS resource record here: the run's own words say it went.
    expect(cleanup).toContain("    ✔ replication slot dms_slot_1");
    expect(cleanup).toContain("    • Aurora cluster shop-aurora: your new database");
    expect(cleanup.join("\n")).not.toContain("Still to delete");
  });

  it("GIVEN a cleanup stopped half-way WHEN status runs THEN it says it is not finished, what was deleted, what is still to delete, and the command that continues it", async () => {
    const { reporter, statePath } = await status(cleanedState({ finished: false }), false);
    const cleanup = reporter.lines.slice(reporter.lines.indexOf("Cleanup"));
    expect(cleanup).toContain(`  Started ${at(0)}; not finished: continue with \`aurora-migrate cleanup --state ${statePath}\`.`);
    expect(cleanup).toContain(`    ✔ dms-task shop-task, deleted ${at(2)}`);
    expect(cleanup).toContain("  Still to delete (1):");
    expect(cleanup).toContain("    · dms-replication-instance shop-dms");
    expect(reporter.lines).toContain("  dms-replication-instance: shop-dms");
  });

  it("GIVEN the same WHEN status --json runs THEN the document carries the cleanup's progress and each resource's deletedAt (the resources' shape unchanged)", async () => {
    const { reporter } = await status(cleanedState({ finished: false }), true);
    const doc = reporter.jsonValues[0] as ReturnType<typeof statusReport>;
    expect(doc.resources["dms-task"]).toMatchObject({ id: "shop-task", deletedAt: at(2) });
    expect(doc.cleanup).toMatchObject({ startedAt: at(0), done: [], remaining: [] });
    expect(doc.cleanup?.finishedAt).toBeUndefined();
    expect(doc.cleanup?.deleted.map((r) => [r.id, r.deletedAt])).toEqual([
      ["shop-task", at(2)],
      ["shop-source", at(3)],
    ]);
    expect(doc.cleanup?.toDelete.map((r) => r.id)).toEqual(["shop-dms"]);
  });

  it("GIVEN no cleanup yet WHEN the status report is built THEN it has no cleanup part", () => {
    const state = newState("aurora-migrate@test", new Date(at(0)));
    expect(statusReport(state, "m.json")).not.toHaveProperty("cleanup");
  });
});

describe("a step's counts in status", () => {
  const warning: Finding = { check: "settings.wal_sender_timeout", severity: "warning", title: "t", found: "f" };

  it("GIVEN the preflight's summary already counts its warning WHEN status prints the step THEN the count is said once", async () => {
    const state = newState("aurora-migrate@test", new Date(at(0)));
    state.steps["source-preflight"] = { status: "done", startedAt: at(0), finishedAt: at(1), attempts: 1, summary: "0 blockers, 1 warning, 2 notes; 17 checks passed", findings: [warning] };
    const { reporter } = await status(state, false);
    const line = reporter.lines.find((l) => l.includes("Source preflight")) ?? "";
    expect(line).toMatch(/ {2}0 blockers, 1 warning, 2 notes; 17 checks passed$/);
    expect(line.match(/warning/g)).toHaveLength(1);
  });

  it("GIVEN a summary that does not count findings THEN the counts follow it in words, singular and plural", () => {
    expect(stepNotes({ summary: "shop-task: public", findings: { blocker: 0, warning: 2, info: 5 } })).toBe("shop-task: public; 2 warnings");
    expect(stepNotes({ findings: { blocker: 1, warning: 1, info: 0 } })).toBe("1 blocker; 1 warning");
  });
});
