import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { BlockedError, OperationError } from "../../src/core/errors.js";
import { RES } from "../../src/migration/aws/resources.js";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { cutoverOutput } from "../../src/migration/cutover/output.js";
import { runCutover } from "../../src/migration/cutover/run-cutover.js";
import { auroraSlotName, reverseTableMappings } from "../../src/migration/rollback/prepare-reverse.js";
import type { RollbackWindowOutput } from "../../src/migration/rollback/record.js";
import type { MigrationState } from "../../src/state/schema.js";
import { FakeAws, type FakeAwsOptions } from "../support/aws/fake-aws.js";
import { seedMigration } from "../support/aws/seed.js";
import { canConnect } from "../support/cutover-e2e.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { replicate } from "../support/replication.js";
import { type TestContext, testContext } from "../support/step-context.js";

// The old server and "Aurora" are servers of their own: the freeze changes server-wide roles, and
// the Aurora slot needs wal_level=logical. A subscription stands in for the forward DMS task; the
// fake AWS's stop/resume of that task disables/enables it, as DMS's stop would.
let source: PgServer;
let aurora: PgServer;
let db: string;
let dir: string;
let stream: { stop(): Promise<void> };
let n = 0;

beforeAll(async () => {
  [source, aurora] = await Promise.all([startPgServer({ name: "rbw-source" }), startPgServer({ name: "rbw-aurora", logical: true })]);
  await source.sql("CREATE ROLE shop LOGIN");
  await aurora.sql("CREATE ROLE shop LOGIN");
});
afterAll(async () => {
  await Promise.all([source?.stop(), aurora?.stop()]);
});

beforeEach(async () => {
  n += 1;
  db = `shop${n}`;
  await source.createDatabase(db);
  await aurora.createDatabase(db);
  dir = mkdtempSync(join(tmpdir(), "cutover-rbw-"));
  stream = await replicate({
    sourceUrl: source.url(db),
    sourcePort: source.port,
    sourceDb: db,
    targetUrl: aurora.url(db),
    ddl: "CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL)",
    tables: ["orders"],
    name: `sub_${db}`,
  });
  await source.sql("GRANT ALL ON orders, orders_id_seq TO shop", db);
  await aurora.sql("GRANT ALL ON orders, orders_id_seq TO shop", db);
});
afterEach(async () => {
  await stream.stop();
  await aurora.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${db}'`);
  rmSync(dir, { recursive: true, force: true });
});

/** Real time for short sleeps (the drain's polling), instant for AWS polling (≥ 1 s): the waits are on the fake. */
function fastClock(): Clock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error("aborted"));
      if (ms < 1000) return new Promise((r) => setTimeout(r, ms));
      offset += ms;
      return new Promise((r) => setImmediate(r));
    },
  };
}

interface Setup {
  ctx: TestContext;
  fake: FakeAws;
  forwardArn: string;
}

async function context(switchHook: string, o: { window?: boolean; logical?: boolean; dryRun?: boolean; fake?: FakeAwsOptions; config?: Record<string, string | number | boolean> } = {}): Promise<Setup> {
  const subscription = `sub_${db}`;
  const fake = new FakeAws({
    latency: [{ source: 1, target: 1 }],
    onTaskStop: async () => void (await aurora.sql(`ALTER SUBSCRIPTION ${subscription} DISABLE`, db)),
    onTaskResume: async () => void (await aurora.sql(`ALTER SUBSCRIPTION ${subscription} ENABLE`, db)),
    ...o.fake,
  });
  const seeded = await seedMigration(fake);
  fake.clusterParameterGroups.set("app-logical", { family: "aurora-postgresql16", description: "", values: new Map([["rds.logical_replication", o.logical === false ? "0" : "1"]]) });
  fake.clusters.set("app-aurora", {
    DBClusterIdentifier: "app-aurora",
    Status: "available",
    EngineVersion: "16.4",
    DBClusterParameterGroup: "app-logical",
    DBClusterMembers: [{ DBInstanceIdentifier: "app-aurora-1", IsClusterWriter: true, DBClusterParameterGroupStatus: "in-sync" }],
    describes: 0,
  });
  // The forward endpoints as step 5 leaves them (password field: DMS never shows it back).
  Object.assign(fake.endpoints.get("am-source")!, { ServerName: "127.0.0.1", Port: source.port, Username: "postgres", DatabaseName: db, SslMode: "none" });
  Object.assign(fake.endpoints.get("am-target")!, { ServerName: "127.0.0.1", Port: aurora.port, Username: "postgres", DatabaseName: db, SslMode: "require" });
  Object.assign(fake.tasks.get(seeded.task.taskArn)!, {
    TableMappings: JSON.stringify({
      rules: [
        { "rule-type": "selection", "rule-id": "1", "rule-name": "include-1", "object-locator": { "schema-name": "public", "table-name": "%" }, "rule-action": "include" },
        { "rule-type": "selection", "rule-id": "2", "rule-name": "aurora-migrate-cutover-marker", "object-locator": { "schema-name": "aurora_migrate", "table-name": "cutover_marker" }, "rule-action": "explicit" },
        { "rule-type": "table-settings", "rule-id": "3", "rule-name": "parallel-load-3", "object-locator": { "schema-name": "public", "table-name": "orders" }, "parallel-load": { type: "ranges", columns: ["id"], boundaries: [["100"]] } },
      ],
    }),
    ReplicationTaskSettings: JSON.stringify({ TargetMetadata: { SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: 64, LobChunkSize: 64 } }),
  });
  const ctx = testContext({
    sourceUrl: source.url(db),
    targetUrl: aurora.url(db),
    aws: fake,
    clock: fastClock(),
    ...(o.dryRun ? { dryRun: true } : {}),
    config: { "cutover.freezeRoles": ["shop"], "cutover.switchHook": switchHook, "cutover.drainTimeoutSeconds": 30, ...o.config },
  });
  {
    ctx.state.answers["rollback.window"] = o.window ?? true;
    ctx.state.resources = { ...seeded.resources };
    ctx.state.outputs["dms-task"] = seeded.task;
    ctx.state.outputs["aurora-cluster"] = {
      clusterId: "app-aurora",
      writerEndpoint: "127.0.0.1",
      port: aurora.port,
      engineVersion: "16.4",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a"],
      securityGroupId: seeded.auroraGroupId,
      masterUsername: "postgres",
      database: db,
    };
    ctx.state.outputs["replication-instance"] = {
      instanceId: "am-instance",
      instanceArn: fake.replicationInstances.get("am-instance")!.ReplicationInstanceArn!,
      instanceClass: "dms.t3.medium",
      publiclyAccessible: false,
      sourceFacingIps: ["10.0.12.34"],
      securityGroupId: seeded.dmsGroupId,
    };
  }
  ctx.secrets.set("source.password", "old-server-secret");
  ctx.secrets.set("target.password", "aurora-secret");
  return { ctx, fake, forwardArn: seeded.task.taskArn };
}

const windowOf = (s: MigrationState): RollbackWindowOutput | undefined => s.outputs["rollback-window"] as RollbackWindowOutput | undefined;
const firstSave = (ctx: TestContext, pred: (s: MigrationState) => boolean): number => ctx.saves.findIndex(pred);
const auroraSlots = async (): Promise<string[]> => (await aurora.sql<{ slot_name: string }>(`SELECT slot_name FROM pg_replication_slots WHERE database = '${db}' AND slot_name LIKE 'am_rb_%' ORDER BY 1`)).map((r) => r.slot_name);
const shopCanConnect = (): Promise<boolean> => canConnect({ connectionString: source.url(db, "shop") });
const slotName = auroraSlotName("am-task");

describe("cutover with a rollback window", () => {
  it("GIVEN rollback.window yes WHEN the cutover switches THEN reverse endpoints and a cdc task are prepared before the freeze, the forward task stops before the Aurora slot, the slot before the switch record, and the reverse task starts from its LSN after the hook", async () => {
    const { ctx, fake, forwardArn } = await context(`psql "$DATABASE_URL" -Atc "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'am_rb_%'" > ${dir}/hook.out`);
    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");

    // Prepared before the freeze: endpoints, their tests, the task; in that order, all before any save of the freeze.
    const [revSource, revTarget] = fake.callsTo("createEndpoint").map((c) => c.input);
    expect(revSource).toMatchObject({ EndpointType: "source", EngineName: "aurora-postgresql", ServerName: "127.0.0.1", Port: aurora.port, Username: "postgres", Password: "aurora-secret", SslMode: "require", PostgreSQLSettings: { SlotName: slotName, PluginName: "test-decoding" } });
    expect(revTarget).toMatchObject({ EndpointType: "target", EngineName: "postgres", Port: source.port, Password: "old-server-secret", PostgreSQLSettings: { AfterConnectScript: "SET session_replication_role = replica" } });
    expect(fake.callsTo("testConnection")).toHaveLength(2);
    const created = fake.callsTo("createReplicationTask")[0]!.input;
    expect(created["MigrationType"]).toBe("cdc");
    const rules = (JSON.parse(created["TableMappings"] as string) as { rules: { "rule-type": string; "rule-action"?: string; "object-locator": { "schema-name": string; "table-name": string } }[] }).rules;
    expect(rules.every((r) => r["rule-type"] === "selection")).toBe(true);
    expect(rules.filter((r) => r["rule-action"] === "exclude").map((r) => r["object-locator"])).toEqual([
      { "schema-name": "%", "table-name": "awsdms[_]%" },
      { "schema-name": "aurora[_]migrate", "table-name": "key[_]changes" },
    ]);
    const settings = JSON.parse(created["ReplicationTaskSettings"] as string) as { FullLoadSettings: { TargetTablePrepMode: string }; TargetMetadata: { LobMaxSize: number } };
    expect(settings.FullLoadSettings.TargetTablePrepMode).toBe("DO_NOTHING");
    expect(settings.TargetMetadata.LobMaxSize).toBe(64);
    for (const key of [RES.reverseSourceEndpoint, RES.reverseTargetEndpoint, RES.reverseTask, RES.auroraSlot]) expect(ctx.state.resources[key]?.createdByUs).toBe(true);

    // The order, from the saves.
    const prepared = firstSave(ctx, (s) => Boolean(windowOf(s)?.preparedAt));
    const frozen = firstSave(ctx, (s) => (s.outputs["cutover"] as { freeze?: { status: string } } | undefined)?.freeze?.status === "applied");
    const stopRequested = firstSave(ctx, (s) => Boolean(windowOf(s)?.forwardStop?.requestedAt));
    const stopped = firstSave(ctx, (s) => Boolean(windowOf(s)?.forwardStop?.stoppedAt));
    const slotCreating = firstSave(ctx, (s) => windowOf(s)?.slot?.status === "creating");
    const slotCreated = firstSave(ctx, (s) => windowOf(s)?.slot?.status === "created");
    const switchStarted = firstSave(ctx, (s) => Boolean((s.outputs["cutover"] as { switch?: unknown } | undefined)?.switch));
    const switched = firstSave(ctx, (s) => (s.outputs["cutover"] as { report?: { outcome: string } } | undefined)?.report?.outcome === "switched");
    const startRequested = firstSave(ctx, (s) => Boolean(windowOf(s)?.reverseStartRequestedAt));
    const opened = firstSave(ctx, (s) => Boolean(windowOf(s)?.openedAt));
    const order = [prepared, frozen, stopRequested, stopped, slotCreating, slotCreated, switchStarted, switched, startRequested, opened];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(new Set(order).size).toBe(order.length);

    // The forward task stopped in AWS; the slot existed when the hook ran; the reverse task started from the slot's LSN afterwards.
    expect(fake.tasks.get(forwardArn)!.Status).toBe("stopped");
    expect(readFileSync(join(dir, "hook.out"), "utf8").trim()).toBe(slotName);
    const w = windowOf(ctx.state)!;
    expect(w.slot).toMatchObject({ name: slotName, status: "created" });
    expect(w.slot?.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const start = fake.callsTo("startReplicationTask").at(-1)!.input;
    expect(start).toEqual({ ReplicationTaskArn: ctx.state.resources[RES.reverseTask]!.arn, StartReplicationTaskType: "start-replication", CdcStartPosition: w.slot!.lsn });
    expect(fake.tasks.get(ctx.state.resources[RES.reverseTask]!.arn!)!.Status).toBe("running");
    expect(fake.timeline.indexOf("stopped task am-task")).toBeLessThan(fake.timeline.lastIndexOf("call startReplicationTask"));
    expect(typeof report!.window?.forwardStopMs).toBe("number");
    expect(typeof report!.window?.slotMs).toBe("number");
    expect(ctx.reporter.text).toContain("Rollback window open: every write on Aurora flows back to the old server; `aurora-migrate rollback` goes back, `aurora-migrate finish` ends the window");
    expect(await auroraSlots()).toEqual([slotName]);
  });

  it("GIVEN a switch hook that fails WHEN the cutover rolls back THEN the Aurora slot is dropped, the forward task resumed and the freeze lifted, each recorded", async () => {
    const { ctx, fake, forwardArn } = await context("exit 9");
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect(await auroraSlots()).toEqual([]);
    const w = windowOf(ctx.state)!;
    expect(w.slot?.status).toBe("dropped");
    expect(w.slot?.droppedAt).toBeDefined();
    expect(w.forwardStop?.resumedAt).toBeDefined();
    expect(w.openedAt).toBeUndefined();
    expect(firstSave(ctx, (s) => windowOf(s)?.slot?.status === "dropping")).toBeLessThan(firstSave(ctx, (s) => windowOf(s)?.slot?.status === "dropped"));
    expect(fake.callsTo("startReplicationTask").map((c) => c.input)).toEqual([{ ReplicationTaskArn: forwardArn, StartReplicationTaskType: "resume-processing" }]);
    expect(fake.tasks.get(forwardArn)!.Status).toBe("running");
    expect(ctx.state.resources[RES.auroraSlot]).toBeUndefined();
    expect(cutoverOutput(ctx).freeze?.status).toBe("lifted");
    expect(await shopCanConnect()).toBe(true);
  });

  it("GIVEN a crash after the Aurora slot was created and before the switch WHEN the cutover runs again THEN it drops the slot and resumes the forward task first, then cuts over and opens the window", async () => {
    const { ctx, fake, forwardArn } = await context("true");
    // What a crash right after the slot's "created" record leaves: the forward task stopped, the slot on Aurora, no switch.
    Object.assign(fake.tasks.get(forwardArn)!, { Status: "stopped", StopReason: "Stop Reason NORMAL", phase: 0 });
    await aurora.sql(`ALTER SUBSCRIPTION sub_${db} DISABLE`, db);
    const lsn = (await aurora.sql<{ lsn: string }>(`SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot('${slotName}', 'test_decoding')`, db))[0]!.lsn;
    const at = new Date().toISOString();
    ctx.state.outputs["rollback-window"] = { preparedAt: at, forwardStop: { requestedAt: at, stoppedAt: at }, slot: { name: slotName, status: "created", lsn, createdAt: at } };
    ctx.state.resources[RES.auroraSlot] = { kind: "replication-slot", id: slotName, createdByUs: true, recordedAt: at };
    // The app writes on the old server while its forward task is stopped: resumed first, it carries this too.
    await source.sql("INSERT INTO orders (note) VALUES ('after the crash')", db);

    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    expect(ctx.reporter.text).toMatch(/left the forward DMS task stopped or a slot on Aurora: undoing that first/);
    const starts = fake.callsTo("startReplicationTask").map((c) => c.input);
    expect(starts[0]).toEqual({ ReplicationTaskArn: forwardArn, StartReplicationTaskType: "resume-processing" });
    // Undone first (old slot dropped, forward task resumed), then the freeze, then a new slot.
    const dropped = firstSave(ctx, (s) => windowOf(s)?.slot?.status === "dropped");
    const resumed = firstSave(ctx, (s) => Boolean(windowOf(s)?.forwardStop?.resumedAt));
    const freezing = firstSave(ctx, (s) => Boolean((s.outputs["cutover"] as { freeze?: unknown } | undefined)?.freeze));
    const newSlot = firstSave(ctx, (s) => windowOf(s)?.slot?.status === "created" && windowOf(s)?.slot?.lsn !== lsn);
    expect(dropped).toBeGreaterThanOrEqual(0);
    expect(resumed).toBeGreaterThan(dropped);
    expect(freezing).toBeGreaterThan(resumed);
    expect(newSlot).toBeGreaterThan(freezing);
    expect(windowOf(ctx.state)?.openedAt).toBeDefined();
    expect(starts.at(-1)).toMatchObject({ StartReplicationTaskType: "start-replication", CdcStartPosition: windowOf(ctx.state)!.slot!.lsn });
    expect(windowOf(ctx.state)!.slot!.lsn).not.toBe(lsn);
    expect(await auroraSlots()).toEqual([slotName]);
    expect((await aurora.sql<{ n: string }>("SELECT count(*) AS n FROM orders WHERE note = 'after the crash'", db))[0]?.n).toBe("1");
  });

  it("GIVEN rollback.window no WHEN the cutover switches THEN nothing reverse is made and the cutover is as before", async () => {
    const { ctx, fake } = await context("true", { window: false });
    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    expect(fake.callsTo("createEndpoint")).toEqual([]);
    expect(fake.callsTo("stopReplicationTask")).toEqual([]);
    expect(fake.callsTo("createReplicationTask")).toEqual([]);
    expect(ctx.state.outputs["rollback-window"]).toBeUndefined();
    expect(report!.window?.forwardStopMs).toBeUndefined();
    expect(await auroraSlots()).toEqual([]);
  });

  it("GIVEN Aurora without logical replication WHEN the cutover runs THEN it says exactly why there is no rollback window and cuts over without one", async () => {
    const { ctx, fake } = await context("true", { logical: false });
    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    expect(ctx.reporter.text).toMatch(/No rollback window: Aurora \(app-aurora\) cannot be a DMS source, because rds\.logical_replication is off/);
    expect(ctx.reporter.text).toMatch(/app-logical/);
    expect(fake.callsTo("createEndpoint")).toEqual([]);
    expect(await auroraSlots()).toEqual([]);
  });

  it("GIVEN the reverse target endpoint's connection test failing WHEN the cutover runs THEN it stops before the freeze with DMS's message (--yes: no window is not chosen), and answering to go on cuts over without a window", async () => {
    const { ctx, fake } = await context("true", { fake: { connectionFailure: { target: "FATAL: password authentication failed for user \"postgres\"" } } });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/DMS could not connect to the target.*Nothing was frozen/);
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
    expect(fake.callsTo("stopReplicationTask")).toEqual([]);

    const again = await context("true", { fake: { connectionFailure: { target: "FATAL: password authentication failed" } }, config: { "cutover.withoutRollbackWindow": true } });
    const report = await runCutover(again.ctx, cutoverDepsFor(again.ctx));
    expect(report?.outcome).toBe("switched");
    expect(again.ctx.reporter.text).toMatch(/Going on without a rollback window/);
    expect(again.fake.callsTo("stopReplicationTask")).toEqual([]);
  });

  it("GIVEN the Aurora login without the right to create a slot WHEN the cutover runs THEN it stops before the freeze with the GRANT", async () => {
    await aurora.sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dmsuser') THEN CREATE ROLE dmsuser LOGIN; END IF; END $$");
    const { ctx } = await context("true");
    ctx.state.answers["dms.target.username"] = "dmsuser";
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).hint).toContain('GRANT rds_replication TO "dmsuser";');
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
  });

  it("GIVEN the reverse task failing to start after the switch WHEN the cutover ends THEN the switch stands, the error names the command to retry, and running it opens the window", async () => {
    const { ctx, fake } = await context("true", { fake: { failNext: new Map([["startReplicationTask", Object.assign(new Error("The replication instance is busy"), { name: "InvalidResourceStateFault" })]]) } });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/The switch succeeded \(the app is on Aurora\), but the rollback window did not open/);
    expect((err as OperationError).hint).toMatch(/run `aurora-migrate cutover[^`]*` again: it only opens the window/);
    expect(cutoverOutput(ctx).report?.outcome).toBe("switched");
    expect(windowOf(ctx.state)?.openedAt).toBeUndefined();
    expect(await auroraSlots()).toEqual([slotName]);

    // A dry run of the retry changes nothing: the reverse task is not started, the window stays shut.
    const starts = fake.callsTo("startReplicationTask").length;
    const dry = { ...ctx, options: { ...ctx.options, dryRun: true } };
    await runCutover(dry, cutoverDepsFor(dry));
    expect(ctx.reporter.text).toMatch(/\[dry-run\] would open the rollback window: start the reverse DMS task/);
    expect(fake.callsTo("startReplicationTask")).toHaveLength(starts);
    expect(windowOf(ctx.state)?.openedAt).toBeUndefined();

    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    expect(windowOf(ctx.state)?.openedAt).toBeDefined();
    expect(fake.callsTo("startReplicationTask").at(-1)!.input).toMatchObject({ StartReplicationTaskType: "start-replication", CdcStartPosition: windowOf(ctx.state)!.slot!.lsn });
  });
});

describe("declining the cutover with a rollback window", () => {
  it("GIVEN rollback.window yes WHEN the freeze is declined at the question THEN nothing is frozen and the message says the reverse path made before it stays (and what removes it)", async () => {
    const { ctx, fake } = await context("true", { config: { "cutover.confirmFreeze": false } });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/^Cutover cancelled: nothing was frozen or switched\. The rollback window's reverse path made before the question stays .*DMS task am-task-reverse.*aurora-migrate cleanup/);
    expect(fake.callsTo("createReplicationTask")).toHaveLength(1);
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
    expect(await auroraSlots()).toEqual([]);
  });
});

describe("cutover --dry-run with a rollback window", () => {
  it("GIVEN rollback.window yes WHEN the cutover runs dry THEN the reverse endpoints, their tests and the cdc task are printed, not made, and nothing is frozen", async () => {
    const { ctx, fake } = await context("true", { dryRun: true });
    expect(await runCutover(ctx, cutoverDepsFor(ctx))).toBeUndefined();
    const text = ctx.reporter.text;
    expect(text).toMatch(/\[dry-run\] DMS CreateEndpoint .*am-task-reverse-source/);
    expect(text).toMatch(/\[dry-run\] DMS CreateEndpoint .*am-task-reverse-target/);
    expect(text).toMatch(/\[dry-run\] DMS TestConnection .*<source endpoint ARN>/);
    expect(text).toMatch(/\[dry-run\] DMS CreateReplicationTask .*"ReplicationTaskIdentifier":"am-task-reverse".*"MigrationType":"cdc"/);
    expect(text).not.toContain("aurora-secret");
    expect(text).not.toContain("old-server-secret");
    expect(text).toMatch(/Rollback window: after the sequences, the forward DMS task is stopped and the logical slot am_rb_am_task created on Aurora/);
    expect(fake.callsTo("createEndpoint")).toEqual([]);
    expect(fake.callsTo("createReplicationTask")).toEqual([]);
    expect(fake.callsTo("stopReplicationTask")).toEqual([]);
    expect(await auroraSlots()).toEqual([]);
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
  });
});

describe("reverse task mappings", () => {
  it("GIVEN no stored forward rules WHEN the reverse mappings are built THEN the chosen schemas and the marker are selected, DMS's and the tool's tables excluded", () => {
    const m = reverseTableMappings(undefined, ["app"]);
    expect(m.rules.map((r) => `${r["rule-action"]} ${r["object-locator"]["schema-name"]}.${r["object-locator"]["table-name"]}`)).toEqual([
      "include app.%",
      "explicit aurora_migrate.cutover_marker",
      "exclude %.awsdms[_]%",
      "exclude aurora[_]migrate.key[_]changes",
    ]);
    expect(auroraSlotName("A-Very-Long-Task-Name-".repeat(5))).toHaveLength(63);
    expect(auroraSlotName("Am-Task")).toBe("am_rb_am_task");
  });
});
