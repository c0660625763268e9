import { describe, expect, it } from "vitest";
import { rollbackVerdict } from "../../src/migration/rollback/rollback-preconditions.js";

describe("rollbackVerdict", () => {
  it("GIVEN the reverse task running under the threshold WHEN judged THEN ready", () => {
    expect(rollbackVerdict({ reverseTaskStatus: "running", cdcLatencySeconds: 3, latencyThresholdSeconds: 10 })).toEqual({ ready: true, problems: [] });
  });

  it("GIVEN a stopped reverse task, no datapoints, or a latency over the threshold WHEN judged THEN each is a problem saying what to do", () => {
    const stopped = rollbackVerdict({ reverseTaskStatus: "stopped", cdcLatencySeconds: undefined, latencyThresholdSeconds: 10 });
    expect(stopped.ready).toBe(false);
    expect(stopped.problems).toHaveLength(2);
    expect(stopped.problems[0]).toMatch(/"stopped", not running.*start it again/);
    expect(stopped.problems[1]).toMatch(/no CDC latency datapoints/);
    const slow = rollbackVerdict({ reverseTaskStatus: "running", cdcLatencySeconds: 11, latencyThresholdSeconds: 10 });
    expect(slow.problems).toEqual([expect.stringMatching(/11 s, over the threshold of 10 s.*rollback\.maxLatencySeconds/)]);
  });
});
