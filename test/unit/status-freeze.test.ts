import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { showStatus } from "../../src/commands/status.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { newState, type MigrationState } from "../../src/state/schema.js";
import { writeStateAtomic } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

const frozenAt = "2026-05-01T12:00:00.000Z";

/** A migration stopped in the cutover with writes frozen, as the cutover records it. */
function frozenState(extra: Record<string, unknown> = {}): MigrationState {
  const state = newState("aurora-migrate@test", new Date(frozenAt));
  state.steps["cutover"] = { status: "running", startedAt: "2026-05-01T11:59:58.000Z", attempts: 1, findings: [] };
  state.outputs["cutover"] = {
    freeze: {
      method: "roles",
      database: "shop",
      roles: ["app", "reporting"],
      changes: [{ change: { kind: "revoke-connect", grantee: "app", grantable: false }, status: "applied" }],
      status: "applied",
      terminated: [],
      frozenAt,
    },
    marker: { token: "t", id: 1, writtenAt: frozenAt },
    ...extra,
  };
  return state;
}

async function status(state: MigrationState, json: boolean): Promise<{ reporter: MemoryReporter; statePath: string }> {
  const statePath = join(mkdtempSync(join(tmpdir(), "am-status dir-")), "m.state.json");
  await writeStateAtomic(statePath, state);
  const options: GlobalOptions = { statePath, yes: false, json, dryRun: false, verbose: false, color: false };
  const reporter = new MemoryReporter(json);
  await showStatus(options, reporter);
  return { reporter, statePath };
}

describe("status during a write freeze", () => {
  it("GIVEN a cutover stopped with writes frozen WHEN status runs THEN it says the source is frozen, since when, by which roles, and the exact unfreeze command", async () => {
    const { reporter, statePath } = await status(frozenState(), false);
    const text = reporter.text;
    expect(text).toContain(`Writes on the source are frozen since ${frozenAt}`);
    expect(text).toContain("app, reporting");
    expect(text).toContain(`aurora-migrate cutover --unfreeze --state '${statePath}'`);
    expect(text).not.toMatch(/may already be on the target/);
  });

  it("GIVEN the same WHEN status --json runs THEN the document carries the freeze, its roles, since when and the command", async () => {
    const { reporter, statePath } = await status(frozenState(), true);
    const doc = reporter.jsonValues[0] as { freeze?: Record<string, unknown> };
    expect(doc.freeze).toEqual({
      status: "applied",
      method: "roles",
      database: "shop",
      roles: ["app", "reporting"],
      since: frozenAt,
      switched: false,
      appMayBeOnTarget: false,
      liftCommand: `aurora-migrate cutover --unfreeze --state '${statePath}'`,
    });
  });

  it("GIVEN the switch hook recorded as started and never finished WHEN status runs THEN it says the app may already be on the target, and both ways out", async () => {
    const startedAt = "2026-05-01T12:00:01.000Z";
    const { reporter, statePath } = await status(frozenState({ switch: { hook: "./switch-app.sh", startedAt } }), false);
    expect(reporter.text).toContain(`The switch hook started at ${startedAt} and did not finish: the app may already be on the target.`);
    expect(reporter.text).toContain(`aurora-migrate cutover --switched --state '${statePath}'`);
    expect(reporter.text).toContain(`aurora-migrate cutover --unfreeze --state '${statePath}'`);
    const json = await status(frozenState({ switch: { hook: "./switch-app.sh", startedAt } }), true);
    expect(json.reporter.jsonValues[0]).toMatchObject({ freeze: { switchStartedAt: startedAt, appMayBeOnTarget: true } });
  });

  it("GIVEN the freeze was lifted WHEN status runs THEN no freeze is shown", async () => {
    const state = frozenState();
    (state.outputs["cutover"] as { freeze: { status: string } }).freeze.status = "lifted";
    const { reporter } = await status(state, true);
    expect(reporter.jsonValues[0]).not.toHaveProperty("freeze");
  });
});
