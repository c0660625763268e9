import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FileTaskStore } from "../../src/standin/task-record.js";
import { SourceWriter, StandinFixture, waitFor, waitForSameContent, waitForStatus, waitForCdc } from "../support/standin.js";

const fixture = new StandinFixture();
afterEach(() => fixture.cleanup());
const dir = mkdtempSync(join(tmpdir(), "standin-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fileStore = (): FileTaskStore => new FileTaskStore(join(dir, `task-${++n}.json`));

describe("stand-in DMS task across process restarts", () => {
  it("GIVEN CDC running with writes on the source WHEN the engine's process goes away and a new one opens the task THEN replication continues with no row lost or applied twice", async () => {
    const p = await fixture.pair();
    const store = fileStore();
    const first = await fixture.engine(p, store);
    await waitForStatus(first, "ready");
    const writer = new SourceWriter(p.source).start();
    first.start("start-replication");
    await waitForCdc(first);
    await first.close();

    await new Promise((r) => setTimeout(r, 500));
    const second = await fixture.reopen(p, store);
    expect(second.describe().Status).toBe("running");
    await new Promise((r) => setTimeout(r, 500));
    await writer.stop();
    await waitForSameContent(p.source, p.target);
    expect(second.describe().Status).toBe("running");
  });

  it("GIVEN a task stopped during CDC WHEN a new process opens it and resumes THEN the changes made meanwhile arrive exactly once", async () => {
    const p = await fixture.pair();
    const store = fileStore();
    const first = await fixture.engine(p, store);
    await waitForStatus(first, "ready");
    first.start("start-replication");
    await waitForCdc(first);
    first.stop();
    await waitForStatus(first, "stopped");
    await first.close();

    const writer = new SourceWriter(p.source).start();
    await new Promise((r) => setTimeout(r, 700));
    const second = await fixture.reopen(p, store);
    expect(second.describe()).toMatchObject({ Status: "stopped", StopReason: "Stop Reason NORMAL" });
    second.start("resume-processing");
    await waitForStatus(second, "running");
    await writer.stop();
    await waitForSameContent(p.source, p.target);
  });

  it("GIVEN a full load cut off by the process going away WHEN a new process opens the task THEN the full load is redone from a fresh slot and snapshot, and CDC then loses nothing", async () => {
    const p = await fixture.pair({ settings: { stopTaskCachedChangesNotApplied: true } });
    const store = fileStore();
    // Holding a lock on one target table keeps the load in progress until the test lets go.
    const blocker = new pg.Client({ connectionString: p.target.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE app.orders IN ACCESS EXCLUSIVE MODE");
    const writer = new SourceWriter(p.source).start();
    const first = await fixture.engine(p, store);
    await waitForStatus(first, "ready");
    first.start("start-replication");
    await waitFor("orders to be loading", async () => (await first.tableStatistics()).some((t) => t.TableName === "orders" && t.TableState === "Full load"));
    const slotBefore = await p.source.sql<{ lsn: string }>("SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1", [p.config.slotName]);
    await first.close();
    await blocker.query("ROLLBACK");
    await blocker.end();

    const second = await fixture.reopen(p, store);
    expect(["starting", "running"]).toContain(second.describe().Status);
    const stopped = await waitForStatus(second, "stopped");
    expect(stopped.StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");
    const slotAfter = await p.source.sql<{ lsn: string }>("SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1", [p.config.slotName]);
    expect(slotAfter[0]?.lsn).not.toBe(slotBefore[0]?.lsn);
    second.start("resume-processing");
    await waitForStatus(second, "running");
    await writer.stop();
    await waitForSameContent(p.source, p.target);
  });
});
