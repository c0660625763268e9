import { describe, expect, it } from "vitest";
import { pollUntil } from "../../../src/migration/aws/poll.js";
import { FakeAws, fault } from "../../support/aws/fake-aws.js";
import { harness, sourceState } from "../../support/aws/harness.js";

function ctx() {
  return harness(new FakeAws(), sourceState("postgres://app@10.0.1.5:5432/shop", "shop"));
}

describe("waiting on AWS", () => {
  it("GIVEN a resource that never gets ready WHEN the overall timeout passes THEN the wait gives up with what it last saw, having backed off", async () => {
    const h = ctx();
    const err = (await pollUntil(h.ctx, { what: "the thing", until: "the thing is ready", read: () => Promise.resolve("creating"), show: (s) => `thing: ${s}`, done: () => false, firstDelayMs: 5_000, maxDelayMs: 60_000, timeoutMs: 10 * 60_000 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Gave up waiting for the thing after \d+ min \(last seen: thing: creating\)/);
    expect(h.clock.sleeps[0]).toBe(5_000);
    expect(h.clock.sleeps[h.clock.sleeps.length - 1]).toBe(60_000);
  });

  it("GIVEN Ctrl-C during a wait WHEN the signal aborts THEN the wait stops at once with an abort", async () => {
    const h = ctx();
    const controller = new AbortController();
    const c = { ...h.ctx, signal: controller.signal };
    let reads = 0;
    const err = (await pollUntil(c, {
      what: "the thing",
      until: "the thing is ready",
      read: () => {
        reads += 1;
        if (reads === 2) controller.abort();
        return Promise.resolve("creating");
      },
      show: (s) => s,
      done: () => false,
      firstDelayMs: 5_000,
      maxDelayMs: 5_000,
      timeoutMs: 3600_000,
    }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
    expect(reads).toBe(2);
  });

  it("GIVEN a throttled Describe WHEN polling THEN the loop slows down and carries on instead of failing", async () => {
    const h = ctx();
    let reads = 0;
    const value = await pollUntil(h.ctx, {
      what: "the thing",
      until: "the thing is ready",
      read: () => (++reads === 1 ? Promise.reject(fault("ThrottlingException", "Rate exceeded")) : Promise.resolve("available")),
      show: (s) => s,
      done: (s) => s === "available",
      firstDelayMs: 5_000,
      maxDelayMs: 30_000,
      timeoutMs: 3600_000,
    });
    expect(value).toBe("available");
    expect(h.clock.sleeps[0]).toBe(10_000);
  });
});
