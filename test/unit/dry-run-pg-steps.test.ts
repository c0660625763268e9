import { describe, expect, it } from "vitest";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { schemaLoadStep } from "../../src/steps/schema-load.js";
import { testContext } from "../support/step-context.js";

// Port 1 on loopback: any connection attempt would fail, so passing proves none was made.
const unreachable = "postgres://app@127.0.0.1:1/app";

describe("--dry-run on the PostgreSQL steps", () => {
  it.each([
    ["schema load", schemaLoadStep],
    ["restore and sequences", restoreAndSequencesStep],
  ])("GIVEN --dry-run WHEN the %s step runs THEN it says what it would do and touches no database", async (_name, step) => {
    const ctx = testContext({ sourceUrl: unreachable, targetUrl: unreachable, dryRun: true });
    const outcome = await step.run(ctx);
    expect(outcome).toMatchObject({ summary: "dry run: nothing changed" });
    expect(ctx.reporter.text).toContain("Dry run: would");
    expect(ctx.state.outputs["schema-load"]).toBeUndefined();
  });
});
