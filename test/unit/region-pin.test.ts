import { describe, expect, it } from "vitest";
import { ExitCode, type UsageError } from "../../src/core/errors.js";
import { pinRegion } from "../../src/commands/session.js";
import { newState } from "../../src/state/schema.js";

describe("the migration's AWS region", () => {
  it("GIVEN --region on the first run WHEN resumed without --region THEN the recorded region is used", () => {
    const state = newState("test", new Date());
    expect(pinRegion(state, "eu-west-1")).toBe("eu-west-1");
    expect(state.answers["aws.region"]).toBe("eu-west-1");
    expect(pinRegion(state, undefined)).toBe("eu-west-1");
  });

  it("GIVEN resources recorded in one region WHEN resumed with another --region THEN exit 2 names both", () => {
    const state = newState("test", new Date());
    pinRegion(state, "eu-west-1");
    let err: UsageError | undefined;
    try {
      pinRegion(state, "us-east-1");
    } catch (e) {
      err = e as UsageError;
    }
    expect(err?.exitCode).toBe(ExitCode.usage);
    expect(err?.message).toContain("eu-west-1");
    expect(err?.message).toContain("us-east-1");
  });

  it("GIVEN no --region ever WHEN AWS is used THEN nothing is pinned and the SDK's own chain decides", () => {
    const state = newState("test", new Date());
    expect(pinRegion(state, undefined)).toBeUndefined();
    expect(state.answers["aws.region"]).toBeUndefined();
  });
});
