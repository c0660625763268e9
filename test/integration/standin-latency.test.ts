import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { StandinFixture, waitFor, waitForSameContent, waitForStatus, waitForCdc } from "../support/standin.js";

const fixture = new StandinFixture();
afterEach(() => fixture.cleanup());

describe("stand-in CDC latency", () => {
  it("GIVEN CDC held up on the target WHEN changes pile up THEN CDCLatencyTarget grows, and it falls back once they are applied", async () => {
    const p = await fixture.pair({ orders: 2_000 });
    const task = await fixture.engine(p);
    expect(await task.cdcLatency()).toBeUndefined();
    await waitForStatus(task, "ready");
    task.start("start-replication");
    await waitForCdc(task);
    await waitFor("a latency figure", () => task.cdcLatency());

    // A lock on the target table stalls the apply; the source keeps committing.
    const blocker = new pg.Client({ connectionString: p.target.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE app.customers IN ACCESS EXCLUSIVE MODE");
    await p.source.sql("INSERT INTO app.customers (name) VALUES ('stuck')");
    const high = await waitFor("latency to build up", async () => {
      await p.source.sql("INSERT INTO app.events (payload) VALUES ('tick')");
      const l = await task.cdcLatency();
      return l && l.target >= 3 ? l : undefined;
    });
    expect(high.target).toBeGreaterThanOrEqual(3);

    await blocker.query("ROLLBACK");
    await blocker.end();
    await waitForSameContent(p.source, p.target);
    const low = await waitFor("latency to fall", async () => {
      const l = await task.cdcLatency();
      return l && l.target <= 1 ? l : undefined;
    });
    expect(low.target).toBeLessThan(high.target);
    expect(low.source).toBeLessThanOrEqual(1);
  });
});
