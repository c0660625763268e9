/**
 * The rollback window end to end over the DMS stand-in (docs/dms-notes.md §18): a forward cdc
 * task carries the old server to "Aurora"; the cutover stops it, creates the Aurora slot, switches,
 * and starts the reverse task from the slot's LSN; a write on Aurora after the switch then
 * reaches the old server. Both servers run with wal_level=logical, as Aurora with
 * rds.logical_replication = 1.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { RES } from "../../src/migration/aws/resources.js";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { runCutover } from "../../src/migration/cutover/run-cutover.js";
import type { RollbackWindowOutput } from "../../src/migration/rollback/record.js";
import { type StandinAws, createStandinAws } from "../../src/standin/aws/index.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { waitFor } from "../support/standin.js";
import { testContext } from "../support/step-context.js";
import { FORWARD_MAPPINGS, skippingClock } from "../support/rollback-window.js";

let old: PgServer;
let aurora: PgServer;
let aws: StandinAws | undefined;
let dir: string;
const DB = "shop";

beforeAll(async () => {
  [old, aurora] = await Promise.all([startPgServer({ name: "rbs-old", logical: true }), startPgServer({ name: "rbs-aurora", logical: true })]);
  dir = mkdtempSync(join(tmpdir(), "rbw-standin-"));
}, 120_000);
afterAll(async () => {
  await aws?.close();
  await Promise.all([old?.stop(), aurora?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});


const CONFIG = { "cutover.freezeRoles": ["shop"], "cutover.switchHook": "true", "cutover.drainTimeoutSeconds": 60, "cutover.skipRowCounts": true, "cutover.maxLatencySeconds": 3600 };

describe("cutover with a rollback window, over the stand-in", () => {
  it("GIVEN a forward cdc task WHEN the cutover switches with a rollback window THEN a write on Aurora after the switch reaches the old server", async () => {
    for (const s of [old, aurora]) {
      await s.createDatabase(DB);
      await s.sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shop') THEN CREATE ROLE shop LOGIN; END IF; END $$");
      await s.sql(["CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL)", ...MARKER_DDL, "GRANT ALL ON orders, orders_id_seq TO shop"].join(";\n"), DB);
      await s.sql("INSERT INTO orders (note) SELECT 'loaded ' || g FROM generate_series(1, 20) g", DB);
    }
    aws = await createStandinAws({ statePath: join(dir, "m.state.json"), auroraServer: { host: "127.0.0.1", port: aurora.port, user: "postgres", sslmode: "disable" }, settleMs: 0 });
    const instance = (await aws.dms.createReplicationInstance({ ReplicationInstanceIdentifier: "am-instance", ReplicationInstanceClass: "dms.t3.medium" })).ReplicationInstance!;
    const endpoint = async (id: string, type: "source" | "target", port: number, settings: Record<string, string | boolean>) =>
      (await aws!.dms.createEndpoint({ EndpointIdentifier: id, EndpointType: type, EngineName: type === "source" ? "postgres" : "aurora-postgresql", ServerName: "127.0.0.1", Port: port, Username: "postgres", Password: "pw", DatabaseName: DB, SslMode: "none", PostgreSQLSettings: settings })).Endpoint!;
    const fwdSource = await endpoint("am-source", "source", old.port, { SlotName: "fwd_slot", PluginName: "test-decoding" });
    const fwdTarget = await endpoint("am-target", "target", aurora.port, { AfterConnectScript: "SET session_replication_role = replica" });
    const task = (
      await aws.dms.createReplicationTask({
        ReplicationTaskIdentifier: "am-task",
        SourceEndpointArn: fwdSource.EndpointArn!,
        TargetEndpointArn: fwdTarget.EndpointArn!,
        ReplicationInstanceArn: instance.ReplicationInstanceArn!,
        MigrationType: "cdc",
        TableMappings: FORWARD_MAPPINGS,
      })
    ).ReplicationTask!;
    const status = async (arn: string) => (await aws!.dms.describeReplicationTasks({ Filters: [{ Name: "replication-task-arn", Values: [arn] }] })).ReplicationTasks![0]!;
    await waitFor("forward ready", async () => (await status(task.ReplicationTaskArn!)).Status === "ready");
    const fwdLsn = (await old.sql<{ lsn: string }>("SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot('fwd_slot', 'test_decoding')", DB))[0]!.lsn;
    await aws.dms.startReplicationTask({ ReplicationTaskArn: task.ReplicationTaskArn!, StartReplicationTaskType: "start-replication", CdcStartPosition: fwdLsn });
    await waitFor("forward running", async () => (await status(task.ReplicationTaskArn!)).Status === "running");
    await old.sql("INSERT INTO orders (note) VALUES ('forward')", DB);
    await waitFor("the forward write on Aurora", async () => (await aurora.sql<{ n: string }>("SELECT count(*) AS n FROM orders WHERE note = 'forward'", DB))[0]?.n === "1");

    const ctx = testContext({
      sourceUrl: old.url(DB),
      targetUrl: aurora.url(DB),
      aws,
      clock: skippingClock(),
      config: { ...CONFIG, "rollback.dropForwardSlot": false },
    });
    ctx.secrets.set("source.password", "pw");
    ctx.secrets.set("target.password", "pw");
    const at = new Date().toISOString();
    const rec = (kind: string, id: string, arn?: string) => ({ kind, id, createdByUs: true, recordedAt: at, ...(arn ? { arn } : {}) });
    ctx.state.answers["rollback.window"] = true;
    ctx.state.resources = {
      [RES.instance]: rec("dms-replication-instance", "am-instance", instance.ReplicationInstanceArn),
      [RES.sourceEndpoint]: rec("dms-endpoint", "am-source", fwdSource.EndpointArn),
      [RES.targetEndpoint]: rec("dms-endpoint", "am-target", fwdTarget.EndpointArn),
      [RES.task]: rec("dms-task", "am-task", task.ReplicationTaskArn),
      [RES.slot]: rec("replication-slot", "fwd_slot"),
    };
    ctx.state.outputs["dms-task"] = { taskId: "am-task", taskArn: task.ReplicationTaskArn!, taskResourceId: task.ReplicationTaskArn!.split(":").pop()!, instanceId: "am-instance", schemas: ["public"] };
    ctx.state.outputs["aurora-cluster"] = { clusterId: "app-aurora", writerEndpoint: "127.0.0.1", port: aurora.port, engineVersion: "16.4", vpcId: "vpc-1", subnetIds: [], securityGroupId: "sg-1", masterUsername: "postgres", database: DB };
    ctx.state.outputs["replication-instance"] = { instanceId: "am-instance", instanceArn: instance.ReplicationInstanceArn!, instanceClass: "dms.t3.medium", publiclyAccessible: false, sourceFacingIps: ["127.0.0.1"], securityGroupId: "sg-1" };

    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    const w = ctx.state.outputs["rollback-window"] as RollbackWindowOutput;
    expect(w.openedAt).toBeDefined();
    expect((await status(task.ReplicationTaskArn!)).Status).toBe("stopped");
    // The forward slot would keep the WAL of every write flowing back: declined here, it stays, said with the SQL.
    const forwardSlot = () => old.sql("SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'fwd_slot'");
    expect(await forwardSlot()).toEqual([{ slot_name: "fwd_slot" }]);
    expect(ctx.reporter.text).toMatch(/The forward slot fwd_slot stays on the old server .*pg_drop_replication_slot\('fwd_slot'\)/);
    // A dry run of the cutover then changes nothing; the next real one asks again, and "yes" drops it.
    const rerun = (o: { dryRun?: boolean; drop?: boolean }) =>
      testContext({ sourceUrl: old.url(DB), targetUrl: aurora.url(DB), aws: aws!, clock: skippingClock(), state: ctx.state, ...(o.dryRun ? { dryRun: true } : {}), config: { ...CONFIG, "rollback.dropForwardSlot": o.drop ?? true } });
    const dry = rerun({ dryRun: true });
    await runCutover(dry, cutoverDepsFor(dry));
    expect(dry.reporter.text).toMatch(/\[dry-run\] would drop DMS's forward slot fwd_slot on the old server/);
    expect(await forwardSlot()).toEqual([{ slot_name: "fwd_slot" }]);
    const again = rerun({});
    await runCutover(again, cutoverDepsFor(again));
    expect(await forwardSlot()).toEqual([]);
    expect(ctx.state.resources[RES.slot]?.["deletedAt"]).toBeDefined();

    // The app on Aurora now: its writes flow back to the old server (still frozen for the app's roles).
    await aurora.sql("INSERT INTO orders (note) VALUES ('written on aurora after the switch')", DB);
    await aurora.sql("UPDATE orders SET note = 'changed on aurora' WHERE note = 'loaded 1'", DB);
    await waitFor("the write on the old server", async () => (await old.sql<{ n: string }>("SELECT count(*) AS n FROM orders WHERE note IN ('written on aurora after the switch', 'changed on aurora')", DB))[0]?.n === "2", 60_000);
    const onOld = await old.sql<{ n: string }>("SELECT count(*) AS n FROM orders", DB);
    const onAurora = await aurora.sql<{ n: string }>("SELECT count(*) AS n FROM orders", DB);
    expect(onOld[0]?.n).toBe(onAurora[0]?.n);
  }, 180_000);
});
