import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppError } from "../../../src/core/errors.js";
import { dmsEndpointsStep } from "../../../src/steps/dms-endpoints.js";
import { dmsTaskStep } from "../../../src/steps/dms-task.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws, SOURCE_SECRET_ARN } from "../../support/aws/fake-aws.js";
import { runUntil } from "../../support/aws/flow.js";
import { harness, sourceState } from "../../support/aws/harness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "ep");
});
afterAll(async () => {
  await db.drop();
});

function setup(fake: FakeAws, answers: Record<string, string | boolean> = {}, secrets: Record<string, string> = {}) {
  return harness(fake, sourceState(db.url, db.name), { answers, secrets });
}

describe("step 5: DMS endpoints", () => {
  it("GIVEN the defaults WHEN the endpoints are created THEN the source has heartbeat, MapBooleanAsBoolean, SSL require and no DDL capture, and the target sets session_replication_role", async () => {
    const fake = new FakeAws();
    const h = setup(fake);
    await runUntil(h, "dms-endpoints");
    await dmsEndpointsStep.run(h.ctx);
    const [source, target] = fake.callsTo("createEndpoint").map((c) => c.input);
    expect(source).toMatchObject({
      EndpointType: "source",
      EngineName: "postgres",
      DatabaseName: db.name,
      SslMode: "require",
      PostgreSQLSettings: { HeartbeatEnable: true, CaptureDdls: false, MapBooleanAsBoolean: true, PluginName: "test-decoding", FailTasksOnLobTruncation: true },
    });
    expect(target).toMatchObject({
      EndpointType: "target",
      EngineName: "aurora-postgresql",
      SslMode: "require",
      PostgreSQLSettings: { AfterConnectScript: "SET session_replication_role = replica", MapBooleanAsBoolean: true },
    });
    // Secret mode (the unattended answers): no clear-text credentials at all.
    expect(source?.["PostgreSQLSettings"]).toMatchObject({ SecretsManagerSecretId: SOURCE_SECRET_ARN });
    expect(source).not.toHaveProperty("Password");
    expect(target).not.toHaveProperty("Password");
    expect(target).not.toHaveProperty("ServerName");
  });

  it("GIVEN password mode WHEN the endpoints are created THEN the passwords go to AWS and never into the state", async () => {
    const fake = new FakeAws();
    const h = setup(fake, { "dms.source.credentials": "password", "dms.target.credentials": "password" }, { "source.password": "src-Pa55word", "target.password": "tgt-Pa55word" });
    await runUntil(h, "dms-endpoints");
    await dmsEndpointsStep.run(h.ctx);
    const [source, target] = fake.callsTo("createEndpoint").map((c) => c.input);
    expect(source).toMatchObject({ ServerName: "127.0.0.1", Port: db.port, Username: "postgres", Password: "src-Pa55word" });
    expect(target).toMatchObject({ Username: "postgres", Password: "tgt-Pa55word" });
    expect(JSON.stringify(h.saved) + JSON.stringify(h.state)).not.toMatch(/src-Pa55word|tgt-Pa55word/);
  });

  it("GIVEN the source refuses DMS in pg_hba.conf WHEN the connection test fails THEN the error quotes DMS, names the cause with the lines to add (in the source's scram-sha-256), and shows the last log lines", async () => {
    const fake = new FakeAws({
      connectionFailure: { source: 'FATAL: no pg_hba.conf entry for host "10.0.12.34", user "postgres", database "shop", SSL on' },
      logLines: ["2026-11-24T10:01:00 [SOURCE_CAPTURE ]E: Cannot connect to ODBC provider"],
    });
    const h = harness(fake, sourceState(db.url, db.name, { passwordEncryption: "scram-sha-256" }));
    await runUntil(h, "dms-endpoints");
    const err = (await dmsEndpointsStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("DMS could not connect to the source");
    expect(err.details.join("\n")).toContain("no pg_hba.conf entry for host");
    expect(err.details.join("\n")).toContain("Cannot connect to ODBC provider");
    expect(err.hint).toContain(`"host  ${db.name}  postgres  10.0.12.34/32  scram-sha-256" and "host  replication  postgres  10.0.12.34/32  scram-sha-256"`);
  });

  it("GIVEN the target times out WHEN the connection test fails THEN the likely cause is the security group rule", async () => {
    const fake = new FakeAws({ connectionFailure: { target: "could not connect to server: Connection timed out" } });
    const h = setup(fake);
    await runUntil(h, "dms-endpoints");
    const err = (await dmsEndpointsStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("DMS could not connect to the target");
    expect(err.hint).toContain("Aurora security group must admit the replication instance's security group on port 5432");
    expect(err.details.join("\n")).toContain("no CloudWatch log lines");
  });
});

describe("step 6: DMS task", () => {
  it("GIVEN the endpoints WHEN the task is created THEN its settings hold TRUNCATE_BEFORE_LOAD, StopTaskCachedChangesNotApplied true and logging, as full-load-and-cdc", async () => {
    const fake = new FakeAws();
    const h = setup(fake);
    await runUntil(h, "dms-task");
    await dmsTaskStep.run(h.ctx);
    const create = fake.callsTo("createReplicationTask")[0]?.input ?? {};
    expect(create["MigrationType"]).toBe("full-load-and-cdc");
    const settings = JSON.parse(create["ReplicationTaskSettings"] as string) as Record<string, Record<string, unknown>>;
    expect(settings["FullLoadSettings"]?.["TargetTablePrepMode"]).toBe("TRUNCATE_BEFORE_LOAD");
    expect(settings["FullLoadSettings"]?.["StopTaskCachedChangesNotApplied"]).toBe(true);
    expect(settings["Logging"]?.["EnableLogging"]).toBe(true);
    // LOBs sized from the preflight's 150 kB maximum: twice that, rounded up to 512 KB.
    expect(settings["TargetMetadata"]).toMatchObject({ LimitedSizeLobMode: true, FullLobMode: false, LobMaxSize: 512 });
  });

  it("GIVEN the task is created THEN it is not started", async () => {
    const fake = new FakeAws();
    const h = setup(fake);
    await runUntil(h, "dms-task");
    await dmsTaskStep.run(h.ctx);
    expect(fake.callsTo("startReplicationTask")).toHaveLength(0);
    expect([...fake.tasks.values()][0]?.Status).toBe("ready");
  });

  it("GIVEN the chosen schemas WHEN the mappings are sent THEN each schema is included and the cutover marker has an explicit rule, and the marker table exists on the source", async () => {
    const fake = new FakeAws();
    const h = setup(fake);
    await runUntil(h, "dms-task");
    await dmsTaskStep.run(h.ctx);
    const mappings = JSON.parse(fake.callsTo("createReplicationTask")[0]?.input["TableMappings"] as string) as { rules: Record<string, unknown>[] };
    expect(mappings.rules.map((r) => [r["rule-action"], r["object-locator"]])).toEqual([
      ["include", { "schema-name": "public", "table-name": "%" }],
      ["include", { "schema-name": "app[_]data", "table-name": "%" }],
      ["explicit", { "schema-name": "aurora_migrate", "table-name": "cutover_marker" }],
    ]);
    const rows = await db.sql("SELECT 1 FROM pg_tables WHERE schemaname = 'aurora_migrate' AND tablename = 'cutover_marker'");
    expect(rows).toHaveLength(1);
  });

  it("GIVEN the account lacks dms-cloudwatch-logs-role WHEN the task is created THEN a warning explains that no log will be written and how to create the role", async () => {
    const fake = new FakeAws({ roles: ["dms-vpc-role"] });
    const h = setup(fake);
    await runUntil(h, "dms-task");
    const outcome = await dmsTaskStep.run(h.ctx);
    const finding = outcome?.findings?.find((f) => f.check === "aws.dms-cloudwatch-logs-role");
    expect(finding?.found).toContain("writes no CloudWatch log");
    expect(finding?.fix).toContain("AmazonDMSCloudWatchLogsRole");
    expect(h.reporter.text).toContain("dms-cloudwatch-logs-role does not exist");
  });
});

describe("step 6: DMS task and partitioned tables", () => {
  let parted: TestDatabase;
  beforeAll(async () => {
    parted = await freshDatabase("source", "parted");
    await parted.sql(`
      CREATE SCHEMA app_data;
      CREATE TABLE app_data."ev%nt_[x]" (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE app_data."ev%nt_[x]_2024" PARTITION OF app_data."ev%nt_[x]" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE app_data."ev%nt_[x]_2025" PARTITION OF app_data."ev%nt_[x]" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY RANGE (id);
      CREATE TABLE app_data."ev%nt_[x]_2025_all" PARTITION OF app_data."ev%nt_[x]_2025" FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
      CREATE TABLE public.plain (id int PRIMARY KEY);
      CREATE SCHEMA other;
      CREATE TABLE other.parted (id int) PARTITION BY LIST (id);
    `);
  });
  afterAll(async () => {
    await parted.drop();
  });

  it("GIVEN partitioned tables (one sub-partitioned, with wildcard characters in its name) in the chosen schemas WHEN the task is created THEN each has an exact exclude rule, the user is told, and the output records them", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(parted.url, parted.name));
    await runUntil(h, "dms-task");
    await dmsTaskStep.run(h.ctx);
    const mappings = JSON.parse(fake.callsTo("createReplicationTask")[0]?.input["TableMappings"] as string) as { rules: Record<string, unknown>[] };
    expect(mappings.rules.filter((r) => r["rule-action"] === "exclude").map((r) => r["object-locator"])).toEqual([
      { "schema-name": "app[_]data", "table-name": "ev[%]nt[_][[]x[]]" },
      { "schema-name": "app[_]data", "table-name": "ev[%]nt[_][[]x[]][_]2025" },
    ]);
    expect(h.reporter.text).toContain('Partitioned tables excluded from the task, so that each row is loaded once, through its leaf partition: "app_data"."ev%nt_[x]", "app_data"."ev%nt_[x]_2025".');
    expect(h.state.outputs["dms-task"]).toMatchObject({ excludedPartitionedTables: [{ schema: "app_data", table: "ev%nt_[x]" }, { schema: "app_data", table: "ev%nt_[x]_2025" }] });
  });

  it("GIVEN a recorded task whose stored mappings do not exclude the partitioned tables WHEN step 6 runs again THEN it stops, naming them, with the mappings to set and how", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(parted.url, parted.name));
    await runUntil(h, "dms-task");
    await dmsTaskStep.run(h.ctx);
    const stored = [...fake.tasks.values()][0]!;
    stored.TableMappings = JSON.stringify({ rules: [{ "rule-type": "selection", "rule-id": "1", "rule-name": "all", "object-locator": { "schema-name": "%", "table-name": "%" }, "rule-action": "include" }] });
    const err = (await dmsTaskStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain('does not exclude the partitioned tables "app_data"."ev%nt_[x]", "app_data"."ev%nt_[x]_2025"');
    expect(err.message).toContain("load their rows twice");
    expect(err.hint).toContain("aws dms modify-replication-task");
    expect(err.details.join("\n")).toContain('"rule-action":"exclude"');
  });
});
