/**
 * issue 14 item 5: `finish` ends the rollback window (reverse task and endpoints in the AWS fake,
 * the test_decoding slot on a real wal_level=logical "Aurora"), then cleans up; `cleanup` refuses
 * while the window is open unless --end-rollback-window; both run twice; a stop between pieces.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { runCleanupCommand } from "../../src/commands/cleanup.js";
import { runFinishCommand } from "../../src/commands/finish.js";
import type { SessionIo } from "../../src/commands/session.js";
import { BlockedError } from "../../src/core/errors.js";
import { RES } from "../../src/migration/aws/resources.js";
import { RESOURCE_KIND } from "../../src/migration/cleanup/kinds.js";
import { installCapture, readCaptureFacts } from "../../src/migration/key-changes/install.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import type { RollbackWindowOutput } from "../../src/migration/rollback/record.js";
import { type MigrationState, newState } from "../../src/state/schema.js";
import { readState, writeStateAtomic } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { WIZARD_STEPS } from "../../src/wizard/steps.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { FakeClock } from "../support/aws/harness.js";
import { seedMigration } from "../support/aws/seed.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";

let aurora: PgServer;
let source: TestDatabase;
let targetUrl: string;
let targetName: string;
let slot: string;
let dir: string;

beforeAll(async () => {
  aurora = await startPgServer({ name: "aurora-finish", logical: true });
}, 120_000);
afterAll(async () => {
  await aurora?.stop();
});

async function onTarget<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: targetUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
const slotOnAurora = async (): Promise<boolean> => (await onTarget("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot])).length === 1;

beforeEach(async () => {
  source = await freshDatabase("source", "rbfin");
  await source.sql(MARKER_DDL.join(";\n"));
  targetName = `rbfin_${randomBytes(4).toString("hex")}`;
  targetUrl = await aurora.createDatabase(targetName);
  await onTarget(MARKER_DDL.join(";\n"));
  slot = `am_reverse_${randomBytes(4).toString("hex")}`;
  dir = mkdtempSync(join(tmpdir(), "am-rbfin-"));
});
afterEach(async () => {
  await onTarget("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [slot]).catch(() => undefined);
  await source.drop();
  await aurora.sql(`DROP DATABASE IF EXISTS "${targetName}" WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A migration switched over with its rollback window open: the forward side as steps 3–11 leave
 * it (forward task stopped at the cutover), the reverse endpoints and a running reverse task in
 * the fake, the test_decoding slot on "Aurora", the cluster parameter group (no longer used).
 */
async function windowOpen(o: { window?: Partial<RollbackWindowOutput> } = {}): Promise<{ options: GlobalOptions; fake: FakeAws }> {
  const fake = new FakeAws();
  const seeded = await seedMigration(fake);
  await fake.rds.createDBCluster({ DBClusterIdentifier: "app-aurora", Engine: "aurora-postgresql", MasterUsername: "postgres" });
  await fake.rds.createDBClusterParameterGroup({ DBClusterParameterGroupName: "am-logical", DBParameterGroupFamily: "aurora-postgresql16", Description: "rds.logical_replication = 1" });
  const instanceArn = seeded.resources[RES.instance]!.arn!;
  const rs = (await fake.dms.createEndpoint({ EndpointIdentifier: "am-reverse-source", EndpointType: "source", EngineName: "aurora-postgresql" })).Endpoint!;
  const rt = (await fake.dms.createEndpoint({ EndpointIdentifier: "am-reverse-target", EndpointType: "target", EngineName: "postgres" })).Endpoint!;
  const task = (
    await fake.dms.createReplicationTask({ ReplicationTaskIdentifier: "am-reverse-task", SourceEndpointArn: rs.EndpointArn, TargetEndpointArn: rt.EndpointArn, ReplicationInstanceArn: instanceArn, MigrationType: "cdc", TableMappings: "{}" })
  ).ReplicationTask!;
  Object.assign(fake.tasks.get(task.ReplicationTaskArn!)!, { Status: "running" });
  fake.calls.length = 0;
  const lsn = (await onTarget<{ lsn: string }>("SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'test_decoding')", [slot]))[0]?.lsn;

  const at = "2026-11-24T11:00:00.000Z";
  const state: MigrationState = newState("aurora-migrate@test", new Date("2026-11-24T10:00:00Z"));
  state.answers["source.url"] = source.url;
  state.answers["target.url"] = targetUrl;
  Object.assign(state.resources, seeded.resources, {
    [RES.clusterParameterGroup]: { kind: RESOURCE_KIND.clusterParameterGroup, id: "am-logical", createdByUs: true, recordedAt: at, clusterId: "app-aurora", family: "aurora-postgresql16" },
    [RES.reverseSourceEndpoint]: { kind: RESOURCE_KIND.endpoint, id: "am-reverse-source", arn: rs.EndpointArn, createdByUs: true, recordedAt: at, endpointType: "source" },
    [RES.reverseTargetEndpoint]: { kind: RESOURCE_KIND.endpoint, id: "am-reverse-target", arn: rt.EndpointArn, createdByUs: true, recordedAt: at, endpointType: "target" },
    [RES.reverseTask]: { kind: RESOURCE_KIND.task, id: "am-reverse-task", arn: task.ReplicationTaskArn, createdByUs: true, recordedAt: at },
    [RES.auroraSlot]: { kind: RESOURCE_KIND.slot, id: slot, createdByUs: true, recordedAt: at },
  });
  state.outputs["dms-task"] = seeded.task;
  state.outputs["cutover"] = { report: { frozeAt: at, outcome: "switched" } };
  state.outputs["rollback-window"] = {
    preparedAt: "2026-11-24T10:50:00.000Z",
    forwardStop: { requestedAt: at, stoppedAt: at },
    slot: { name: slot, status: "created", ...(lsn ? { lsn } : {}), createdAt: at },
    reverseStartRequestedAt: at,
    openedAt: "2026-11-24T11:01:00.000Z",
    ...o.window,
  };
  for (const step of WIZARD_STEPS.filter((s) => s.id !== "cleanup")) state.steps[step.id] = { status: "done", attempts: 1, findings: [], finishedAt: at };
  const statePath = join(dir, "m.state.json");
  await writeStateAtomic(statePath, state);
  return { options: { statePath, yes: true, json: false, dryRun: false, verbose: false, color: false }, fake };
}

function io(fake: FakeAws): SessionIo & { reporter: MemoryReporter } {
  return { reporter: new MemoryReporter(), signal: new AbortController().signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) };
}

const WRITES = /^(create|delete|stop|start|modify|revoke|authorize)/;
const writes = (fake: FakeAws): string[] => fake.calls.map((c) => c.method).filter((m) => WRITES.test(m));
const windowOf = async (options: GlobalOptions): Promise<RollbackWindowOutput> => (await readState(options.statePath)).outputs["rollback-window"] as RollbackWindowOutput;

/** The reverse path, the forward side and the parameter group are gone, each recorded; the slot on Aurora too. */
async function expectEverythingGone(options: GlobalOptions, fake: FakeAws): Promise<void> {
  expect(fake.tasks.size + fake.endpoints.size + fake.replicationInstances.size).toBe(0);
  expect(fake.clusterParameterGroups.has("am-logical")).toBe(false);
  expect(await slotOnAurora()).toBe(false);
  const state = await readState(options.statePath);
  for (const key of [RES.reverseTask, RES.reverseSourceEndpoint, RES.reverseTargetEndpoint, RES.auroraSlot, RES.task, RES.instance, RES.clusterParameterGroup]) {
    expect(state.resources[key]?.["deletedAt"], key).toBeDefined();
  }
  const w = state.outputs["rollback-window"] as RollbackWindowOutput;
  expect(w.slot).toMatchObject({ name: slot, status: "dropped" });
  expect(w.finishedAt).toBeDefined();
  expect(state.steps["cleanup"]?.status).toBe("done");
  expect(await onTarget("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
}

describe("cleanup while the rollback window is open", () => {
  it("GIVEN the window is open WHEN cleanup runs without the flag THEN it refuses (exit 3), says what the window is and names finish and --end-rollback-window, and changes nothing", async () => {
    const { options, fake } = await windowOpen();
    const err = (await runCleanupCommand(options, {}, io(fake)).catch((e: unknown) => e)) as BlockedError;
    expect(err).toBeInstanceOf(BlockedError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain("A rollback window is open (since 2026-11-24T11:01:00.000Z): cleanup would end it, so it removed nothing.");
    expect(err.details?.join("\n")).toMatch(/carries every write the app makes on Aurora back to the old server/);
    expect(err.details?.join("\n")).toContain("runs on the replication instance am-instance");
    expect(err.hint).toContain(`aurora-migrate finish --state ${options.statePath}`);
    expect(err.hint).toContain(`aurora-migrate cleanup --end-rollback-window --state ${options.statePath}`);
    expect(err.hint).toContain(`aurora-migrate rollback --state ${options.statePath}`);
    expect(writes(fake)).toEqual([]);
    expect(fake.tasks.size).toBe(2);
    expect(await slotOnAurora()).toBe(true);
    expect((await readState(options.statePath)).outputs["cleanup"]).toBeUndefined();
  });

  it("GIVEN the window is open WHEN cleanup --end-rollback-window runs, then again THEN the first ends the window and cleans up (parameter group included); the second finds nothing and succeeds", async () => {
    const { options, fake } = await windowOpen();
    const first = io(fake);
    await runCleanupCommand(options, { endRollbackWindow: true }, first);
    await expectEverythingGone(options, fake);
    expect(first.reporter.text).toContain(`Dropped the replication slot ${slot} on Aurora`);
    // DMS's order: the reverse task stopped and deleted before its endpoints and the instance it runs on.
    const ops = writes(fake);
    expect(ops.indexOf("deleteReplicationTask")).toBeLessThan(ops.indexOf("deleteEndpoint"));
    expect(ops.lastIndexOf("deleteEndpoint")).toBeLessThan(ops.indexOf("deleteReplicationInstance"));
    fake.calls.length = 0;
    const second = io(fake);
    await runCleanupCommand(options, { endRollbackWindow: true }, second);
    expect(writes(fake)).toEqual([]);
    expect(second.reporter.text).toContain("Nothing left to clean up");
  });
});

describe("aurora-migrate finish", () => {
  it("GIVEN the window is open WHEN finish runs twice THEN the first removes the reverse path, drops the slot on Aurora and cleans up; the second says it is done and makes no call", async () => {
    const { options, fake } = await windowOpen();
    const first = io(fake);
    await runFinishCommand(options, first);
    await expectEverythingGone(options, fake);
    expect(first.reporter.text).toContain("The rollback window has been open since 2026-11-24T11:01:00.000Z");
    expect(first.reporter.text).toContain("Deleted the reverse DMS task am-reverse-task");
    expect(first.reporter.text).toContain("The rollback window is ended.");
    // The reading taken before the removal, for `status`.
    expect((await windowOf(options)).readings?.reverseTask).toMatchObject({ by: "finish", status: "running" });
    expect((await windowOf(options)).readings?.auroraSlot).toMatchObject({ by: "finish" });
    expect(typeof (await windowOf(options)).readings?.auroraSlot?.retainedBytes).toBe("number");

    fake.calls.length = 0;
    const second = io(fake);
    await runFinishCommand(options, second);
    expect(fake.calls).toEqual([]);
    expect(second.reporter.text).toMatch(/The rollback window ended at .* and the cleanup ran at .*: nothing left to do\./);
  });

  it("GIVEN the key-change capture on Aurora (the window's) WHEN finish runs THEN it removes trigger, table and function before the tool's schema goes, recorded removed", async () => {
    await onTarget("CREATE TABLE carts (token text PRIMARY KEY)");
    const client = new pg.Client({ connectionString: targetUrl });
    await client.connect();
    try {
      await installCapture(client, await readCaptureFacts(client, ["public"]));
    } finally {
      await client.end();
    }
    const { options, fake } = await windowOpen({ window: { keyCapture: { status: "installed", tables: 1 } } });
    const run = io(fake);
    await runFinishCommand(options, run);
    await expectEverythingGone(options, fake);
    expect(run.reporter.text).toContain("Removed the key-change trigger from 1 table(s) on Aurora, and its table and function");
    expect(await onTarget("SELECT 1 FROM pg_trigger WHERE tgname = 'aurora_migrate_key_change'")).toEqual([]);
    expect((await windowOf(options)).keyCapture).toMatchObject({ status: "removed" });
    // Counted before the removal, for `status`: no key changed on Aurora here.
    expect((await windowOf(options)).readings?.auroraKeyChanges).toMatchObject({ by: "finish", count: 0 });
  });

  it("GIVEN finish stopped after the reverse task was deleted (a crash deleting an endpoint) WHEN it runs again THEN it continues: the task is not deleted twice, the rest goes", async () => {
    const { options, fake } = await windowOpen();
    const deleteEndpoint = fake.dms.deleteEndpoint;
    fake.dms.deleteEndpoint = () => Promise.reject(new Error("the process was killed here"));
    await expect(runFinishCommand(options, io(fake))).rejects.toThrow(/killed/);
    fake.dms.deleteEndpoint = deleteEndpoint;
    const mid = await readState(options.statePath);
    expect(mid.resources[RES.reverseTask]?.["deletedAt"]).toBeDefined();
    expect(mid.resources[RES.reverseSourceEndpoint]?.["deletedAt"]).toBeUndefined();
    expect((mid.outputs["rollback-window"] as RollbackWindowOutput).finishedAt).toBeUndefined();
    expect(await slotOnAurora()).toBe(true);

    const reverseArn = mid.resources[RES.reverseTask]!.arn;
    fake.calls.length = 0;
    await runFinishCommand(options, io(fake));
    await expectEverythingGone(options, fake);
    expect(fake.callsTo("deleteReplicationTask").map((c) => c.input["ReplicationTaskArn"])).not.toContain(reverseArn);
    expect(fake.callsTo("deleteReplicationTask")).toHaveLength(1);
  });

  it("GIVEN the slot was recorded 'dropping' and is already gone (a crash right after the drop) WHEN finish runs THEN it records it dropped and goes on", async () => {
    const { options, fake } = await windowOpen();
    await onTarget("SELECT pg_drop_replication_slot($1)", [slot]);
    const state = await readState(options.statePath);
    (state.outputs["rollback-window"] as RollbackWindowOutput).slot!.status = "dropping";
    await writeStateAtomic(options.statePath, state);
    const run = io(fake);
    await runFinishCommand(options, run);
    await expectEverythingGone(options, fake);
    expect(run.reporter.text).toContain(`The replication slot ${slot} on Aurora was already gone`);
  });

  it("GIVEN a rollback switched the app back WHEN finish runs THEN it says the app is on the old server and removes the reverse path the same way", async () => {
    const { options, fake } = await windowOpen({ window: { rollback: { startedAt: "2026-11-24T12:00:00.000Z", outcome: "switched-back", finishedAt: "2026-11-24T12:00:09.000Z" } } });
    const run = io(fake);
    await runFinishCommand(options, run);
    expect(run.reporter.text).toContain("After the rollback (2026-11-24T12:00:09.000Z) the app is on the old server");
    await expectEverythingGone(options, fake);
  });

  it("GIVEN a rollback started and did not finish WHEN finish runs THEN it refuses (exit 3) and points at rollback, changing nothing", async () => {
    const { options, fake } = await windowOpen({ window: { rollback: { startedAt: "2026-11-24T12:00:00.000Z" } } });
    const err = (await runFinishCommand(options, io(fake)).catch((e: unknown) => e)) as BlockedError;
    expect(err).toBeInstanceOf(BlockedError);
    expect(err.hint).toContain("aurora-migrate rollback");
    expect(writes(fake)).toEqual([]);
    expect(await slotOnAurora()).toBe(true);
  });

  it("GIVEN the window is open WHEN finish --dry-run runs THEN it prints every call and the slot's drop, and changes nothing", async () => {
    const { options, fake } = await windowOpen();
    const run = io(fake);
    await runFinishCommand({ ...options, dryRun: true }, run);
    const text = run.reporter.text;
    expect(text).toContain("StopReplicationTask");
    expect(text).toContain("DeleteReplicationTask");
    expect(text).toContain("am-reverse-source");
    expect(text).toContain(`[dry-run] on the target (Aurora): SELECT pg_drop_replication_slot('${slot}');`);
    expect(text).toContain("DeleteReplicationInstance");
    expect(writes(fake)).toEqual([]);
    expect(await slotOnAurora()).toBe(true);
    const state = await readState(options.statePath);
    expect((state.outputs["rollback-window"] as RollbackWindowOutput).finishedAt).toBeUndefined();
    expect(state.resources[RES.reverseTask]?.["deletedAt"]).toBeUndefined();
  });
});
