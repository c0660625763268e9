import { afterEach, describe, expect, it } from "vitest";
import {
  SourceWriter,
  StandinFixture,
  tableDigests,
  waitFor,
  waitForSameContent,
  waitForStatus,
  waitForCdc,
} from "../support/standin.js";

const fixture = new StandinFixture();
const pair = fixture.pair.bind(fixture);
const engine = fixture.engine.bind(fixture);
afterEach(() => fixture.cleanup());

describe("stand-in DMS task: full load and CDC", () => {
  it("GIVEN writes on the source before, during and after the full load WHEN the task runs full-load-and-cdc THEN the target ends with exactly the source's rows", async () => {
    const p = await pair({ orders: 60_000 });
    const writer = new SourceWriter(p.source).start();
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    expect(task.describe().Status).toBe("starting");
    await waitFor("the full load to finish", () => task.describe().ReplicationTaskStats.FullLoadProgressPercent === 100);
    await waitFor("CDC to apply some live writes", async () => (await task.tableStatistics()).some((t) => (t.Inserts ?? 0) > 0));
    const written = await writer.stop();
    expect(written).toBeGreaterThan(0);
    const digests = await waitForSameContent(p.source, p.target);
    expect(digests["orders"]).toMatch(/^\d+:[0-9a-f]{32}$/);
    const stats = task.describe().ReplicationTaskStats;
    expect(stats).toMatchObject({ TablesLoaded: 4, TablesLoading: 0, TablesQueued: 0, TablesErrored: 0 });
    expect(stats.FullLoadFinishDate).toBeInstanceOf(Date);
    expect(task.describe().Status).toBe("running");
  });

  it("GIVEN StopTaskCachedChangesNotApplied WHEN the full load ends THEN the task stops with DMS's stop reason and applies nothing until resume-processing", async () => {
    const p = await pair({ settings: { stopTaskCachedChangesNotApplied: true } });
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    const stopped = await waitForStatus(task, "stopped");
    expect(stopped.StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");
    const loaded = await tableDigests(p.target);
    expect(loaded).toEqual(await tableDigests(p.source));
    const perTable = await task.tableStatistics();
    expect(perTable.map((t) => t.TableState)).toEqual(["Table completed", "Table completed", "Table completed", "Table completed"]);
    expect(perTable.find((t) => t.TableName === "orders")?.FullLoadRows).toBe(20_000);

    // Changes made while the task is stopped wait in the slot.
    await p.source.sql("INSERT INTO app.orders (customer_id, amount) SELECT 1, g FROM generate_series(1, 500) g");
    await p.source.sql("UPDATE app.customers SET name = 'renamed' WHERE id <= 10");
    await p.source.sql("DELETE FROM app.orders WHERE id <= 5");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await tableDigests(p.target)).toEqual(loaded);

    task.start("resume-processing");
    await waitForStatus(task, "running");
    await waitForSameContent(p.source, p.target);
  });

  it("GIVEN the source's sequences moved WHEN the task has loaded and replicated THEN the target's sequences are where they were (DMS does not move them)", async () => {
    const p = await pair();
    await p.source.sql("SELECT setval('app.shared_ids', 900000)");
    const before = await p.target.sql<{ seq: string; last_value: string; is_called: boolean }>(
      "SELECT sequencename AS seq, last_value::text, (last_value IS NOT NULL) AS is_called FROM pg_sequences WHERE schemaname = 'app' ORDER BY 1",
    );
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    await waitFor("the full load", () => task.describe().ReplicationTaskStats.FullLoadProgressPercent === 100);
    await waitForStatus(task, "running");
    await p.source.sql("INSERT INTO app.orders (customer_id) SELECT 1 FROM generate_series(1, 100)");
    await waitForSameContent(p.source, p.target);
    const after = await p.target.sql("SELECT sequencename AS seq, last_value::text, (last_value IS NOT NULL) AS is_called FROM pg_sequences WHERE schemaname = 'app' ORDER BY 1");
    expect(after).toEqual(before);
    const sourceSeq = await p.source.sql<{ last_value: string }>("SELECT last_value::text FROM pg_sequences WHERE sequencename = 'shared_ids'");
    expect(Number(sourceSeq[0]?.last_value)).toBeGreaterThan(900000);
  });

  it("GIVEN a table without a primary key in the task WHEN CDC runs THEN the source still accepts UPDATE and DELETE on it and its INSERTs arrive", async () => {
    const p = await pair();
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    await waitFor("the full load", () => task.describe().ReplicationTaskStats.FullLoadProgressPercent === 100);
    await waitForStatus(task, "running");
    await p.source.sql("UPDATE app.events SET payload = payload || '!' WHERE payload = 'event 2'");
    await p.source.sql("DELETE FROM app.events WHERE payload = 'event 3'");
    await p.source.sql("INSERT INTO app.events (payload) VALUES ('after')");
    await waitFor("the insert to arrive", async () => (await p.target.sql("SELECT 1 FROM app.events WHERE payload = 'after'")).length === 1);
  });
});

describe("stand-in DMS task: TRUNCATE_BEFORE_LOAD and foreign keys", () => {
  it("GIVEN a foreign key on the target pointing at a mapped table WHEN the task starts THEN it fails with a DMS-like message naming the table and PostgreSQL's reason", async () => {
    const p = await pair({ targetForeignKey: true });
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    const failed = await waitForStatus(task, "failed");
    expect(failed.LastFailureMessage).toMatch(/^Last Error /);
    expect(failed.LastFailureMessage).toContain('"app"."customers"');
    expect(failed.LastFailureMessage).toContain("TRUNCATE_BEFORE_LOAD");
    expect(failed.LastFailureMessage).toContain("cannot truncate a table referenced in a foreign key constraint");
    expect(failed.LastFailureMessage).toMatch(/Stop Reason FATAL_ERROR Error Level FATAL$/);
    expect(failed.ReplicationTaskStats.TablesErrored).toBeGreaterThanOrEqual(1);
    const customers = (await task.tableStatistics()).find((t) => t.TableName === "customers");
    expect(customers?.TableState).toBe("Table error");
  });

  it("GIVEN the same schema with its foreign keys set aside WHEN the task starts THEN the full load succeeds", async () => {
    const p = await pair({ targetForeignKey: true, settings: { stopTaskCachedChangesNotApplied: true } });
    await p.target.sql("ALTER TABLE app.orders DROP CONSTRAINT orders_customer_id_fkey");
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    expect((await waitForStatus(task, "stopped")).StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");
    expect(await tableDigests(p.target)).toEqual(await tableDigests(p.source));
  });

  it("GIVEN rows already on the target WHEN TRUNCATE_BEFORE_LOAD runs THEN they are replaced, and user triggers do not fire during the load", async () => {
    const p = await pair({ settings: { stopTaskCachedChangesNotApplied: true } });
    await p.target.sql("INSERT INTO app.customers (name) VALUES ('stale'), ('stale 2')");
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    await waitForStatus(task, "stopped");
    // The orders trigger would have written audit rows on the target had it fired.
    expect(await tableDigests(p.target)).toEqual(await tableDigests(p.source));
  });
});

describe("stand-in DMS task: DO_NOTHING and empty selections", () => {
  it("GIVEN DO_NOTHING and foreign keys kept on the target WHEN the task starts THEN it loads without truncating, the foreign keys unchecked as with the AfterConnectScript", async () => {
    const p = await pair({ targetForeignKey: true, settings: { targetTablePrepMode: "DO_NOTHING", stopTaskCachedChangesNotApplied: true } });
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    expect((await waitForStatus(task, "stopped")).StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");
    expect(await tableDigests(p.target)).toEqual(await tableDigests(p.source));
  });

  it("GIVEN mappings that select no table WHEN the task starts THEN it fails saying no tables were found", async () => {
    const p = await pair();
    p.config.tableMappings = JSON.stringify({
      rules: [{ "rule-type": "selection", "rule-id": "1", "rule-name": "none", "object-locator": { "schema-name": "nothing", "table-name": "%" }, "rule-action": "include" }],
    });
    const task = await engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    expect((await waitForStatus(task, "failed")).LastFailureMessage).toMatch(/^Last Error No tables were found at task initialization/);
  });
});

describe("stand-in DMS task: statuses", () => {
  it("GIVEN a running task WHEN stopped, resumed and stopped again THEN it goes stopping → stopped (NORMAL) → running, and deletion leaves the slot but not the publications", async () => {
    const p = await pair();
    const task = await engine(p);
    expect(task.describe().Status).toBe("creating");
    expect(() => task.start("resume-processing")).toThrow(expect.objectContaining({ name: "InvalidResourceStateFault" }));
    await waitForStatus(task, "ready");
    task.start("start-replication");
    await waitForStatus(task, "running");
    await waitForCdc(task);
    expect(() => task.start("start-replication")).toThrow(/it ran before|running/);
    task.stop();
    expect(task.describe().Status).toBe("stopping");
    const stopped = await waitForStatus(task, "stopped");
    expect(stopped.StopReason).toBe("Stop Reason NORMAL");
    await p.source.sql("INSERT INTO app.customers (name) VALUES ('while stopped')");
    task.start("resume-processing");
    await waitForStatus(task, "running");
    await waitForSameContent(p.source, p.target);
    task.stop();
    await waitForStatus(task, "stopped");
    await task.delete();
    expect(() => task.describe()).toThrow(expect.objectContaining({ name: "ResourceNotFoundFault" }));
    expect(await p.source.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [p.config.slotName])).toHaveLength(1);
    expect(await p.source.sql("SELECT pubname FROM pg_publication")).toEqual([]);
    expect(await p.target.sql("SELECT subname FROM pg_subscription WHERE subname = $1", [p.config.slotName])).toEqual([]);
  });
});
