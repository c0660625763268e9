import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { showStatus } from "../../src/commands/status.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { newState, type MigrationState } from "../../src/state/schema.js";
import { writeStateAtomic } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

const at = "2026-05-01T12:00:00.000Z";
const progress = {
  at,
  percent: 62,
  tablesLoaded: 5,
  tablesTotal: 8,
  rowsLoaded: 1_234_567,
  rowsTotal: 2_000_000,
  rowsPerSecond: 38_000,
  bytesPerSecond: 12 * 1024 * 1024,
  etaSeconds: 250,
};

/** A migration in its full load, as the wait records it; no key-change capture and no slot recorded, so status connects nowhere. */
function loadingState(recorded: Record<string, unknown> | undefined, stepStatus: "running" | "done" = "running"): MigrationState {
  const state = newState("aurora-migrate@test", new Date(at));
  state.steps["full-load"] = { status: stepStatus, startedAt: "2026-05-01T11:00:00.000Z", attempts: 1, findings: [] };
  state.outputs["full-load"] = { startedAt: "2026-05-01T11:00:00.000Z", startType: "start-replication", ...(recorded ? { progress: recorded } : {}) };
  return state;
}

async function status(state: MigrationState, json: boolean): Promise<MemoryReporter> {
  const statePath = join(mkdtempSync(join(tmpdir(), "am-status-")), "m.state.json");
  await writeStateAtomic(statePath, state);
  const options: GlobalOptions = { statePath, yes: false, json, dryRun: false, verbose: false, color: false };
  const reporter = new MemoryReporter(json);
  await showStatus(options, reporter);
  return reporter;
}

describe("status during the full load", () => {
  it("GIVEN a recorded full-load progress WHEN status runs THEN it shows rows of the estimate, the rates (bytes as an estimate) and the ETA with its end time", async () => {
    const text = (await status(loadingState(progress), false)).text;
    expect(text).toContain("Full load (as last recorded)");
    expect(text).toContain("[██████░░░░] 62%  tables 5/8 · rows 1.2M of ~2M · 38k rows/s · ~12 MiB/s (est.)");
    expect(text).toContain(`ETA 4 min 10 s from ${at} (about 2026-05-01T12:04:10.000Z)`);
  });

  it("GIVEN a recorded full-load progress WHEN status --json runs THEN the report carries it as recorded", async () => {
    const reporter = await status(loadingState(progress), true);
    const report = reporter.jsonValues[0] as { fullLoad?: unknown };
    expect(report.fullLoad).toEqual(progress);
  });

  it("GIVEN an older state with no progress, or a finished full load WHEN status runs THEN there is no full-load section", async () => {
    for (const state of [loadingState(undefined), loadingState(progress, "done")]) {
      expect((await status(state, false)).text).not.toContain("Full load (as last recorded)");
      expect((await status(state, true)).jsonValues[0]).not.toHaveProperty("fullLoad");
    }
  });
});
