import { afterEach, describe, expect, it } from "vitest";
import { connectPg } from "../../src/adapters/postgres/connect.js";
import { parsePgUrl } from "../../src/adapters/postgres/url.js";
import { guardedTables } from "../../src/standin/pk-guard.js";
import { MemoryTaskStore } from "../../src/standin/task-record.js";
import type { TestDatabase } from "../support/databases.js";
import { StandinFixture, waitFor, waitForCdc, waitForStatus } from "../support/standin.js";

/**
 * Where DMS loses data during CDC, the stand-in loses it too (replication-engine.ts, top):
 * PK-changing UPDATEs, UNLOGGED tables and TRUNCATE.
 */
const fixture = new StandinFixture();
afterEach(() => fixture.cleanup());

const KEYED = `CREATE TABLE app."Odd ""Key"" tbl" (k1 int, "K 2" text, v text NOT NULL, PRIMARY KEY (k1, "K 2"));`;
const UNLOGGED = "CREATE UNLOGGED TABLE app.scratch (id int PRIMARY KEY, v text);";

/** Inserts a row on the source and waits until it is on the target: every earlier change has been applied by then. */
async function applied(source: TestDatabase, target: TestDatabase, tag: string): Promise<void> {
  await source.sql("INSERT INTO app.customers (name) VALUES ($1)", [tag]);
  await waitFor(`the change "${tag}" to reach the target`, async () => (await target.sql("SELECT 1 FROM app.customers WHERE name = $1", [tag])).length === 1);
}

async function guards(db: TestDatabase): Promise<string[]> {
  const { location, password } = parsePgUrl(db.url);
  const client = await connectPg(location, password);
  try {
    return await guardedTables(client);
  } finally {
    await client.end();
  }
}

const awsdmsObjects = (db: TestDatabase): Promise<unknown[]> =>
  db.sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'awsdms%' UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'awsdms%'");

async function running(extraSql: string): Promise<{ source: TestDatabase; target: TestDatabase; slot: string }> {
  const p = await fixture.pair({ customers: 50, orders: 200 });
  if (extraSql) {
    await p.source.sql(extraSql);
    await p.target.sql(extraSql);
  }
  if (extraSql === KEYED) await p.source.sql(`INSERT INTO app."Odd ""Key"" tbl" SELECT g, 'k' || g, 'v' || g FROM generate_series(1, 5) g`);
  if (extraSql === UNLOGGED) await p.source.sql("INSERT INTO app.scratch SELECT g, 'before' FROM generate_series(1, 3) g");
  // A customer no order points at (the source's foreign key would refuse changing its key otherwise).
  await p.source.sql("INSERT INTO app.customers (id, name) VALUES (9005, 'no orders')");
  const task = await fixture.engine(p);
  await waitForStatus(task, "ready");
  task.start("start-replication");
  await waitForCdc(task);
  return { source: p.source, target: p.target, slot: p.config.slotName };
}

describe("stand-in DMS task: what DMS does not apply during CDC", () => {
  it("GIVEN CDC running WHEN the source changes a primary key THEN the target keeps the row under its old key, later changes under the new key do nothing, and replication goes on", async () => {
    const { source, target } = await running(KEYED);
    const before = await target.sql("SELECT id, name FROM app.customers WHERE id = 9005");
    expect(before).toEqual([{ id: 9005, name: "no orders" }]);
    await source.sql("UPDATE app.customers SET id = 100005, name = 'moved' WHERE id = 9005");
    await source.sql(`UPDATE app."Odd ""Key"" tbl" SET "K 2" = 'changed', v = 'moved' WHERE k1 = 2`);
    await source.sql("UPDATE app.customers SET name = 'renamed in place' WHERE id = 6");
    await applied(source, target, "after the key changes");

    expect(await target.sql("SELECT id, name FROM app.customers WHERE id IN (9005, 100005)")).toEqual(before);
    expect(await target.sql(`SELECT k1, "K 2", v FROM app."Odd ""Key"" tbl" WHERE k1 = 2`)).toEqual([{ k1: 2, "K 2": "k2", v: "v2" }]);
    // An UPDATE that keeps the key is applied as before.
    expect(await target.sql("SELECT name FROM app.customers WHERE id = 6")).toEqual([{ name: "renamed in place" }]);

    // The row under its new key: its UPDATE and DELETE match nothing on the target; an INSERT
    // reusing the old key meets the row left there and is dropped, as DMS logs and skips it.
    await source.sql("UPDATE app.customers SET name = 'moved again' WHERE id = 100005");
    await source.sql(`DELETE FROM app."Odd ""Key"" tbl" WHERE k1 = 2`);
    await source.sql(`INSERT INTO app."Odd ""Key"" tbl" VALUES (2, 'k2', 'reused key')`);
    await source.sql("DELETE FROM app.customers WHERE id = 100005");
    await applied(source, target, "after the new-key changes");
    expect(await target.sql("SELECT id, name FROM app.customers WHERE id IN (9005, 100005)")).toEqual(before);
    expect(await target.sql(`SELECT k1, "K 2", v FROM app."Odd ""Key"" tbl" WHERE k1 = 2`)).toEqual([{ k1: 2, "K 2": "k2", v: "v2" }]);

    // The guard acts in the apply worker only: an ordinary session on the target changes keys as usual.
    await target.sql("UPDATE app.customers SET id = 200005 WHERE id = 9005");
    expect(await target.sql("SELECT id FROM app.customers WHERE id = 200005")).toEqual([{ id: 200005 }]);
  });

  it("GIVEN an UNLOGGED table in the mappings WHEN the task runs THEN the full load copies it and its later changes never arrive", async () => {
    const { source, target } = await running(UNLOGGED);
    expect(await target.sql("SELECT id, v FROM app.scratch ORDER BY id")).toEqual([
      { id: 1, v: "before" },
      { id: 2, v: "before" },
      { id: 3, v: "before" },
    ]);
    await source.sql("INSERT INTO app.scratch VALUES (4, 'during cdc')");
    await source.sql("UPDATE app.scratch SET v = 'changed' WHERE id = 1");
    await source.sql("DELETE FROM app.scratch WHERE id = 2");
    await applied(source, target, "after the unlogged changes");
    expect(await target.sql("SELECT id, v FROM app.scratch ORDER BY id")).toEqual([
      { id: 1, v: "before" },
      { id: 2, v: "before" },
      { id: 3, v: "before" },
    ]);
  });

  it("GIVEN CDC running WHEN the source truncates a mapped table THEN the target keeps its rows", async () => {
    const { source, target } = await running("");
    const events = await target.sql<{ n: string }>("SELECT count(*) AS n FROM app.events");
    expect(Number(events[0]?.n)).toBeGreaterThan(0);
    await source.sql("TRUNCATE app.events");
    await source.sql("INSERT INTO app.events (payload) VALUES ('after truncate')");
    await applied(source, target, "after the truncate");
    expect(await target.sql<{ n: string }>("SELECT count(*) AS n FROM app.events")).toEqual([{ n: String(Number(events[0]?.n) + 1) }]);
  });

  it("GIVEN the guard's life WHEN CDC runs, the process is replaced, the task stops (also when killed while stopping), resumes and is deleted THEN the guard is there exactly while changes are applied and leaves no awsdms_ object behind", async () => {
    const p = await fixture.pair({ customers: 50, orders: 200 });
    await p.source.sql("INSERT INTO app.customers (id, name) VALUES (9005, 'no orders')");
    const store = new MemoryTaskStore();
    const first = await fixture.engine(p, store);
    await waitForStatus(first, "ready");
    first.start("start-replication");
    await waitForCdc(first);
    // Tables with a primary key; app.events has none, so DMS captures only its INSERTs.
    expect(await guards(p.target)).toEqual(["app.audit", "app.customers", "app.orders"]);

    await first.close();
    const second = await fixture.reopen(p, store);
    await waitForCdc(second);
    await p.source.sql("UPDATE app.customers SET id = 100005 WHERE id = 9005");
    await applied(p.source, p.target, "after a restart");
    expect(await p.target.sql("SELECT id FROM app.customers WHERE id IN (9005, 100005)")).toEqual([{ id: 9005 }]);

    second.stop();
    await waitForStatus(second, "stopped");
    expect(await awsdmsObjects(p.target)).toEqual([]);
    second.start("resume-processing");
    await waitForCdc(second);
    expect(await guards(p.target)).toHaveLength(3);

    // Killed while stopping: the next process finishes the stop, guard removal included.
    await second.close();
    const record = await store.load();
    await store.save({ ...record!, status: "stopping" });
    const third = await fixture.reopen(p, store);
    await waitForStatus(third, "stopped");
    expect(await awsdmsObjects(p.target)).toEqual([]);
    third.start("resume-processing");
    await waitForCdc(third);
    third.stop();
    await waitForStatus(third, "stopped");
    await third.delete();
    expect(await awsdmsObjects(p.target)).toEqual([]);
  });
});
