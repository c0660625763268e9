import { describe, expect, it } from "vitest";
import { runSteps } from "../../src/wizard/runner.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { testContext } from "../support/step-context.js";

// Port 1 on loopback: any connection attempt would fail, so passing proves none was made.
const unreachable = "postgres://app@127.0.0.1:1/app";

describe("--dry-run on the PostgreSQL steps", () => {
  it("GIVEN --dry-run WHEN the schema-load and restore steps run THEN each says what it would do and touches no database", async () => {
    const ctx = testContext({ sourceUrl: unreachable, targetUrl: unreachable, dryRun: true });
    await runSteps([schemaLoadStep, restoreAndSequencesStep], ctx, { resumeCommand: "aurora-migrate resume" });
    expect(ctx.reporter.text).toContain("Dry run: would load the chosen schemas into the target");
    expect(ctx.reporter.text).toContain("Dry run: would rebuild the set-aside indexes");
    expect(ctx.state.steps["schema-load"]).toMatchObject({ status: "done", summary: "dry run: nothing changed" });
    expect(ctx.state.outputs["schema-load"]).toBeUndefined();
  });

  it("GIVEN no --dry-run WHEN the schema-load step runs against an unreachable target THEN it really tries (the plan is only for dry runs)", async () => {
    const ctx = testContext({ sourceUrl: unreachable, targetUrl: unreachable });
    await expect(runSteps([schemaLoadStep], ctx, { resumeCommand: "aurora-migrate resume" })).rejects.toThrow(/Cannot connect/);
  });
});
