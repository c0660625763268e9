/**
 * The stand-in's CDC-only task (the rollback window's reverse task, docs/dms-notes.md §18): it
 * reads a test_decoding slot someone created on the "Aurora" side, as DMS needs it, and applies
 * to the old server (through an internal pgoutput copy of the slot, `<named>_standin`). Both
 * servers of this file run with wal_level=logical, as Aurora with rds.logical_replication = 1.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStandinAws } from "../../src/standin/aws/index.js";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { internalSlotName } from "../../src/standin/named-slot.js";
import { ReplicationEngine, type ReplicationEngineConfig } from "../../src/standin/replication-engine.js";
import { MemoryTaskStore } from "../../src/standin/task-record.js";
import { DEFAULT_TASK_SETTINGS } from "../../src/standin/task-settings.js";
import type { TestDatabase } from "../support/databases.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { ALL_APP_TABLES, SourceWriter, appSchema, endpointOf, tableDigests, waitFor, waitForSameContent, waitForStatus } from "../support/standin.js";

let aurora: PgServer;
let old: PgServer;

beforeAll(async () => {
  [aurora, old] = await Promise.all([startPgServer({ name: "aurora", logical: true }), startPgServer({ name: "old", logical: true })]);
}, 120_000);
afterAll(async () => {
  await Promise.all([aurora?.stop(), old?.stop()]);
});

async function database(server: PgServer): Promise<TestDatabase> {
  const name = `rb_${randomBytes(4).toString("hex")}`;
  const url = await server.createDatabase(name);
  const sql = async <T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name,
    url,
    port: server.port,
    sql,
    urlAs: (user) => url.replace("postgres@", `${user}@`),
    drop: async () => {
      await server.sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** The same rows on both sides, as after a migration: fixed timestamps, so digests compare. */
async function sameData(db: TestDatabase): Promise<void> {
  await db.sql(appSchema({ withForeignKey: true }));
  await db.sql("INSERT INTO app.customers (name) SELECT 'customer ' || g FROM generate_series(1, 50) g");
  await db.sql("INSERT INTO app.orders (customer_id, amount, note, created_at) SELECT 1 + g % 50, g, 'seed', '2026-01-01' FROM generate_series(1, 300) g");
  await db.sql("INSERT INTO app.events (payload, at) SELECT 'event ' || g, '2026-01-01' FROM generate_series(1, 30) g");
}

interface Reverse {
  aurora: TestDatabase;
  old: TestDatabase;
  config: ReplicationEngineConfig;
  engine?: ReplicationEngine;
}
const made: Reverse[] = [];

async function reversePair(cdcStartPosition?: string): Promise<Reverse> {
  const [a, o] = await Promise.all([database(aurora), database(old)]);
  await Promise.all([sameData(a), sameData(o)]);
  const slotName = `rollback_${randomBytes(4).toString("hex")}`;
  const config: ReplicationEngineConfig = {
    taskId: "reverse-task",
    source: endpointOf(a),
    target: endpointOf(o),
    tableMappings: ALL_APP_TABLES,
    settings: DEFAULT_TASK_SETTINGS,
    slotName,
    migrationType: "cdc",
    ...(cdcStartPosition === "slot" ? { cdcStartPosition: slotName } : {}),
  };
  const r: Reverse = { aurora: a, old: o, config };
  made.push(r);
  return r;
}

async function createTask(r: Reverse): Promise<ReplicationEngine> {
  r.engine = await ReplicationEngine.create(r.config, { store: new MemoryTaskStore(), sampleIntervalMs: 200, creatingMs: 10 });
  await waitForStatus(r.engine, "ready");
  return r.engine;
}

/** The slot as the tool creates it for DMS: test_decoding. Returns its position. */
async function createSlot(r: Reverse, plugin = "test_decoding"): Promise<string> {
  const rows = await r.aurora.sql<{ lsn: string }>("SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, $2)", [r.config.slotName, plugin]);
  return rows[0]?.lsn ?? "";
}

async function slotsOn(r: Reverse): Promise<{ name: string; plugin: string; confirmed: string }[]> {
  return r.aurora.sql("SELECT slot_name AS name, plugin, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE database = current_database() ORDER BY 1");
}

/** a < b for two LSNs. */
async function lsnBefore(r: Reverse, a: string, b: string): Promise<boolean> {
  const [row] = await r.aurora.sql<{ before: boolean }>("SELECT $1::pg_lsn < $2::pg_lsn AS before", [a, b]);
  return row?.before ?? false;
}

async function failureOf(task: ReplicationEngine): Promise<string> {
  const d = await waitFor("the task to fail", () => (task.describe().Status === "failed" ? task.describe() : undefined), 20_000).catch((err: Error) => {
    throw new Error(`${err.message}; the task is ${JSON.stringify(task.describe())}`);
  });
  return d.LastFailureMessage ?? "";
}

afterEach(async () => {
  for (const r of made.splice(0)) {
    await r.engine?.close();
    const internal = internalSlotName(r.config.slotName);
    await r.old.sql(`ALTER SUBSCRIPTION "${internal}" DISABLE`).catch(() => undefined);
    await r.old.sql(`ALTER SUBSCRIPTION "${internal}" SET (slot_name = NONE)`).catch(() => undefined);
    await r.old.sql(`DROP SUBSCRIPTION IF EXISTS "${internal}"`).catch(() => undefined);
    for (const slot of [r.config.slotName, internal]) {
      await waitFor("the slot to be free", async () => {
        const rows = await r.aurora.sql<{ active: boolean }>("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slot]);
        if (rows[0]?.active) return undefined;
        if (rows.length) await r.aurora.sql("SELECT pg_drop_replication_slot($1)", [slot]);
        return true;
      });
    }
    await Promise.all([r.aurora.drop(), r.old.drop()]);
  }
});

describe("stand-in cdc task from an existing slot (reverse replication)", () => {
  it("GIVEN a slot created on Aurora after the task WHEN writes follow and the task starts from the slot's name THEN the old server has every later write once, none from before the slot, and stop/resume/delete keep the slot", async () => {
    const r = await reversePair("slot");
    const task = await createTask(r);
    // Before the slot: DMS would not carry it, nor does the stand-in.
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('before-slot')");
    await createSlot(r);
    const writer = new SourceWriter(r.aurora).start();
    await r.aurora.sql(`DO $$ BEGIN
      INSERT INTO app.audit (what) VALUES ('after-slot');
      UPDATE app.customers SET name = repeat('lob ', 100000) WHERE id = 3;
    END $$`);
    const rolledBack = new pg.Client({ connectionString: r.aurora.url });
    await rolledBack.connect();
    await rolledBack.query("BEGIN");
    await rolledBack.query("INSERT INTO app.audit (what) VALUES ('rolled-back')");
    await rolledBack.query("ROLLBACK");
    await rolledBack.end();
    await new Promise((res) => setTimeout(res, 500));
    expect(await writer.stop()).toBeGreaterThan(0);

    task.start("start-replication");
    await waitForStatus(task, "running");
    await waitFor("the after-slot write on the old server", async () => (await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'after-slot'")).length === 1);
    // The writes before the slot are not there; everything after is, once.
    expect(await r.old.sql("SELECT 1 FROM app.audit WHERE what IN ('before-slot', 'rolled-back')")).toEqual([]);
    await r.aurora.sql("DELETE FROM app.audit WHERE what = 'before-slot'"); // a delete of a row the old server never had does nothing there
    await waitForSameContent(r.aurora, r.old);
    // The large value arrived whole (the writer may have appended a few '+' since).
    const [big] = await r.old.sql<{ n: number }>("SELECT length(name) AS n FROM app.customers WHERE id = 3");
    expect(big?.n).toBeGreaterThanOrEqual(400_000);
    // Applied as replica: the old server's trigger did not add audit rows of its own.
    expect((await tableDigests(r.old))["audit"]).toBe((await tableDigests(r.aurora))["audit"]);

    task.stop();
    await waitForStatus(task, "stopped");
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('while-stopped')");
    await new Promise((res) => setTimeout(res, 800));
    expect(await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'while-stopped'")).toEqual([]);
    expect(() => task.start("start-replication")).toThrow(/resume-processing/);
    task.start("resume-processing");
    await waitForStatus(task, "running");
    await waitForSameContent(r.aurora, r.old);

    task.stop();
    await waitForStatus(task, "stopped");
    await task.delete();
    // The named slot stays, as it was made; the stand-in's internal copy is gone.
    expect((await slotsOn(r)).map((s) => [s.name, s.plugin])).toEqual([[r.config.slotName, "test_decoding"]]);
    expect(await r.aurora.sql("SELECT pubname FROM pg_publication")).toEqual([]);
    expect(await r.old.sql("SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")).toEqual([]);
  });

  it("GIVEN no slot of that name WHEN the task starts THEN it fails with a clear message and creates none; once the slot exists resume-processing starts it", async () => {
    const r = await reversePair();
    const task = await createTask(r);
    task.start("start-replication", { cdcStartPosition: r.config.slotName });
    const message = await failureOf(task);
    expect(message).toMatch(new RegExp(`slot "${r.config.slotName}" \\(the source endpoint's SlotName\\) does not exist on the source`));
    expect(message).toMatch(/never creates one/);
    expect(await r.aurora.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [r.config.slotName])).toEqual([]);

    const lsn = await createSlot(r);
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('after-slot')");
    task.start("resume-processing", { cdcStartPosition: lsn });
    await waitForStatus(task, "running");
    await waitForSameContent(r.aurora, r.old);
  });

  it("GIVEN a running cdc task WHEN its process ends and a new one opens the task THEN CDC goes on from the slot, nothing lost or applied twice", async () => {
    const r = await reversePair("slot");
    const store = new MemoryTaskStore();
    r.engine = await ReplicationEngine.create(r.config, { store, sampleIntervalMs: 200, creatingMs: 10 });
    await waitForStatus(r.engine, "ready");
    await createSlot(r);
    r.engine.start("start-replication");
    await waitForStatus(r.engine, "running");
    const writer = new SourceWriter(r.aurora).start();
    await new Promise((res) => setTimeout(res, 300));
    await r.engine.close();
    await new Promise((res) => setTimeout(res, 300));
    await writer.stop();
    const again = await ReplicationEngine.open(r.config, { store, sampleIntervalMs: 200 });
    if (!again) throw new Error("no task recorded");
    r.engine = again;
    await waitForStatus(again, "running");
    await waitForSameContent(r.aurora, r.old);
  });

  it("GIVEN a CdcStartPosition before the slot's confirmed position, none at all, or a slot older than the task THEN the start fails as DMS refuses it", async () => {
    const older = await reversePair();
    const task = await createTask(older);
    await createSlot(older);
    task.start("start-replication", { cdcStartPosition: "0/1" });
    expect(await failureOf(task)).toMatch(/CdcStartPosition 0\/1 is older than the slot's confirmed_flush_lsn/);
    task.start("resume-processing", { cdcStartPosition: "" });
    expect(await failureOf(task)).toMatch(/no CdcStartPosition/);

    const early = await reversePair("slot");
    await createSlot(early);
    const late = await createTask(early);
    late.start("start-replication");
    expect(await failureOf(late)).toMatch(/before this task was created/);
  });

  it("GIVEN a pgoutput slot (not DMS's plugin) WHEN the task starts THEN it fails saying DMS reads test_decoding or pglogical slots, and copies nothing", async () => {
    const r = await reversePair("slot");
    const task = await createTask(r);
    await createSlot(r, "pgoutput");
    task.start("start-replication");
    const message = await failureOf(task);
    expect(message).toMatch(new RegExp(`slot "${r.config.slotName}" uses the pgoutput plugin, which DMS does not read: DMS reads test_decoding or pglogical slots`));
    expect(message).toMatch(/pg_create_logical_replication_slot\('rollback_[0-9a-f]+', 'test_decoding'\)/);
    expect((await slotsOn(r)).map((s) => s.name)).toEqual([r.config.slotName]);
  });

  it("GIVEN a write between the task's creation and the slot's WHEN the task starts from the slot's name THEN only what follows the slot arrives", async () => {
    const r = await reversePair("slot");
    const task = await createTask(r);
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('between-task-and-slot')");
    await r.aurora.sql("UPDATE app.customers SET name = 'changed before the slot' WHERE id = 7");
    await createSlot(r);
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('after-slot')");
    task.start("start-replication");
    await waitForStatus(task, "running");
    await waitFor("the after-slot write on the old server", async () => (await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'after-slot'")).length === 1);
    expect(await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'between-task-and-slot'")).toEqual([]);
    expect(await r.old.sql("SELECT name FROM app.customers WHERE id = 7")).toEqual([{ name: "customer 7" }]);
  });

  it("GIVEN a running cdc task WHEN changes are applied THEN the named slot's confirmed_flush_lsn follows them (it keeps no WAL already applied), from a later CdcStartPosition LSN too", async () => {
    const r = await reversePair();
    const task = await createTask(r);
    const created = await createSlot(r);
    // Between the slot and the start position: skipped, as asked.
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('before-start-position')");
    const [{ lsn: startAt } = { lsn: "" }] = await r.aurora.sql<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
    await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('after-start-position')");
    task.start("start-replication", { cdcStartPosition: startAt });
    await waitForStatus(task, "running");
    await waitFor("the after-start-position write on the old server", async () => (await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'after-start-position'")).length === 1);
    expect(await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'before-start-position'")).toEqual([]);

    const named = async () => (await slotsOn(r)).find((s) => s.name === r.config.slotName)?.confirmed ?? "0/0";
    await waitFor("the named slot past the start position", async () => !(await lsnBefore(r, await named(), startAt)));
    expect(await lsnBefore(r, created, await named())).toBe(true);
    const [{ lsn: written } = { lsn: "" }] = await r.aurora.sql<{ lsn: string }>(
      "WITH w AS (INSERT INTO app.audit (what) VALUES ('later') RETURNING 1) SELECT pg_current_wal_insert_lsn()::text AS lsn FROM w",
    );
    await waitFor("the later write on the old server", async () => (await r.old.sql("SELECT 1 FROM app.audit WHERE what = 'later'")).length === 1);
    await waitFor("the named slot past the later write", async () => !(await lsnBefore(r, await named(), written)));
    // Never ahead of what was applied: the internal slot is the subscription's confirmed position.
    const internal = (await slotsOn(r)).find((s) => s.name === internalSlotName(r.config.slotName));
    expect(internal?.plugin).toBe("pgoutput");
    expect(await lsnBefore(r, internal?.confirmed ?? "0/0", await named())).toBe(false);

    task.stop();
    await waitForStatus(task, "stopped");
    const stoppedAt = await named();
    expect(stoppedAt).toBe((await slotsOn(r)).find((s) => s.name === internalSlotName(r.config.slotName))?.confirmed);
  });
});

describe("stand-in DMS API: a cdc task from the endpoint's slot", () => {
  it("GIVEN CreateReplicationTask/StartReplicationTask as the tool calls them THEN CdcStartPosition is refused on full-load-and-cdc, the cdc task runs from the slot, and deleting it leaves the slot", async () => {
    const r = await reversePair();
    const dir = mkdtempSync(join(tmpdir(), "standin-cdc-"));
    const aws = await createStandinAws({ statePath: join(dir, "m.state.json"), auroraServer: { host: "127.0.0.1", port: aurora.port, user: "postgres", sslmode: "disable" }, settleMs: 0 });
    try {
      const instance = (await aws.dms.createReplicationInstance({ ReplicationInstanceIdentifier: "ri", ReplicationInstanceClass: "dms.t3.medium" })).ReplicationInstance!.ReplicationInstanceArn!;
      const endpoint = async (id: string, type: "source" | "target", port: number, db: string, settings: Record<string, string> = {}) =>
        (await aws.dms.createEndpoint({ EndpointIdentifier: id, EndpointType: type, EngineName: "aurora-postgresql", ServerName: "127.0.0.1", Port: port, Username: "postgres", DatabaseName: db, PostgreSQLSettings: settings })).Endpoint!.EndpointArn!;
      const source = await endpoint("aurora-src", "source", aurora.port, r.aurora.name, { SlotName: r.config.slotName });
      const target = await endpoint("old-tgt", "target", old.port, r.old.name, { AfterConnectScript: "SET session_replication_role = replica" });
      const common = { SourceEndpointArn: source, TargetEndpointArn: target, ReplicationInstanceArn: instance, TableMappings: ALL_APP_TABLES };
      await expect(aws.dms.createReplicationTask({ ...common, ReplicationTaskIdentifier: "bad", MigrationType: "full-load-and-cdc", CdcStartPosition: r.config.slotName })).rejects.toMatchObject({ name: "InvalidParameterCombinationException" });
      await expect(aws.dms.createReplicationTask({ ...common, ReplicationTaskIdentifier: "bad", MigrationType: "cdc", CdcStartPosition: "0/1", CdcStartTime: new Date() })).rejects.toMatchObject({ name: "InvalidParameterCombinationException" });
      const arn = (await aws.dms.createReplicationTask({ ...common, ReplicationTaskIdentifier: "reverse", MigrationType: "cdc", CdcStartPosition: r.config.slotName })).ReplicationTask!.ReplicationTaskArn!;
      const status = async () => (await aws.dms.describeReplicationTasks({ Filters: [{ Name: "replication-task-arn", Values: [arn] }] })).ReplicationTasks![0]!;
      await waitFor("ready", async () => (await status()).Status === "ready");
      await createSlot(r);
      await r.aurora.sql("INSERT INTO app.audit (what) VALUES ('after-slot')");
      await aws.dms.startReplicationTask({ ReplicationTaskArn: arn, StartReplicationTaskType: "start-replication" });
      await waitFor("running", async () => (await status()).Status === "running");
      await waitForSameContent(r.aurora, r.old);
      await aws.dms.stopReplicationTask({ ReplicationTaskArn: arn });
      await waitFor("stopped", async () => (await status()).Status === "stopped");
      await aws.dms.deleteReplicationTask({ ReplicationTaskArn: arn });
      await waitFor("the task gone", async () => (await aws.dms.describeReplicationTasks({ Filters: [{ Name: "replication-task-arn", Values: [arn] }] }).then(() => false, () => true)));
      expect((await slotsOn(r)).map((s) => s.name)).toEqual([r.config.slotName]);
    } finally {
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
