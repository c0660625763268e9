import { isReadCall } from "../../src/adapters/aws/dry-run.js";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { cleanupDepsFor } from "../../src/migration/cleanup/aws-deps.js";
import { RESOURCE_KIND, SLOT_RESOURCE_KEY } from "../../src/migration/cleanup/kinds.js";
import { runCleanup } from "../../src/migration/cleanup/run-cleanup.js";
import { BlockedError, ExitCode } from "../../src/core/errors.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { FakeClock } from "../support/aws/harness.js";
import { type SeededMigration, seedMigration } from "../support/aws/seed.js";
import { freshDatabase, sharedServerInfo, type TestDatabase } from "../support/databases.js";
import { dmsArtefactsSql } from "../support/dms-artefacts.js";
import { testContext, type TestContext } from "../support/step-context.js";

let source: TestDatabase;
let target: TestDatabase;
let slot: string;
let holder: ChildProcess | undefined;

beforeEach(async () => {
  source = await freshDatabase("source", "clean");
  target = await freshDatabase("target", "clean");
  slot = `dms_${randomBytes(4).toString("hex")}`;
  await source.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
  await source.sql(MARKER_DDL.join(";\n"));
  await target.sql(MARKER_DDL.join(";\n"));
});
afterEach(async () => {
  holder?.kill("SIGKILL");
  holder = undefined;
  await source.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", [slot]).catch(() => undefined);
  await source.drop();
  await target.drop();
});

interface Migrated {
  ctx: TestContext;
  fake: FakeAws;
  seeded: SeededMigration;
}

/** A switched migration: the AWS side in the stateful fake, cleanup's real AWS calls over it. */
async function migrated(): Promise<Migrated> {
  const fake = new FakeAws();
  const seeded = await seedMigration(fake);
  const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url, aws: fake, clock: new FakeClock() });
  Object.assign(ctx.state.resources, seeded.resources, {
    [SLOT_RESOURCE_KEY]: { kind: RESOURCE_KIND.slot, id: slot, createdByUs: true, recordedAt: "2026-01-01T00:00:00.000Z" },
  });
  ctx.state.outputs["dms-task"] = seeded.task;
  ctx.state.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", outcome: "switched" } };
  return { ctx, fake, seeded };
}

/** The fake's calls that change something, and the changes AWS finished on its own, in order. */
const changes = (fake: FakeAws): string[] => fake.timeline.filter((e) => !/^call (describe|get)/.test(e));

async function slotExists(): Promise<boolean> {
  return (await source.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot])).length > 0;
}

describe("cleanup", () => {
  it("GIVEN a switched migration WHEN cleanup runs THEN the task is stopped and deleted, then its endpoints, instance and subnet group, each awaited until AWS has it gone; the slot and marker schemas are dropped; the cluster and old server remain", async () => {
    const { ctx, fake } = await migrated();
    const report = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(changes(fake)).toEqual([
      "call stopReplicationTask",
      "stopped task am-task",
      "call deleteReplicationTask",
      "gone task am-task",
      "call deleteEndpoint",
      "gone endpoint am-source",
      "call deleteEndpoint",
      "gone endpoint am-target",
      "call deleteReplicationInstance",
      "gone instance am-instance",
      "call deleteReplicationSubnetGroup",
      "gone subnet-group am-subnets",
      "call revokeSecurityGroupIngress",
    ]);
    expect(fake.tasks.size + fake.endpoints.size + fake.replicationInstances.size + fake.dmsSubnetGroups.size).toBe(0);
    expect(await slotExists()).toBe(false);
    expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
    expect(await target.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
    expect(report.remaining.join("\n")).toMatch(/Aurora cluster app-aurora/);
    expect(report.remaining.join("\n")).toMatch(new RegExp(`The old server postgres@127.0.0.1:${source.port}/${source.name}`));
  });

  it("GIVEN the rule that lets DMS's group reach Aurora and a rule of the user's own WHEN cleanup runs THEN only the tool's rule is revoked, named by its source group, not an address range", async () => {
    const { ctx, fake, seeded } = await migrated();
    await runCleanup(ctx, cleanupDepsFor(ctx));
    const revoke = fake.callsTo("revokeSecurityGroupIngress");
    expect(revoke.map((c) => c.input)).toEqual([
      { GroupId: seeded.auroraGroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: seeded.dmsGroupId }] }] },
    ]);
    const left = fake.securityGroups.get(seeded.auroraGroupId)?.IpPermissions ?? [];
    expect(left.flatMap((p) => p.UserIdGroupPairs ?? [])).toEqual([]);
    expect(left.flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp))).toEqual(["10.9.0.0/16"]);
  });

  it("GIVEN --keep-task and --keep-instance WHEN cleanup runs THEN the task is stopped but not deleted, what it uses stays (DMS would refuse), and each is listed with its reason", async () => {
    const { ctx, fake } = await migrated();
    const report = await runCleanup(ctx, cleanupDepsFor(ctx), { keepTask: true, keepInstance: true });
    expect(changes(fake)).toEqual(["call stopReplicationTask", "stopped task am-task", "call revokeSecurityGroupIngress"]);
    expect(fake.tasks.size).toBe(1);
    expect(report.remaining).toEqual(
      expect.arrayContaining([
        "DMS task am-task (--keep-task)",
        "DMS endpoint am-source (the DMS task am-task still uses it)",
        "DMS replication instance am-instance (--keep-instance)",
        "DMS replication subnet group am-subnets (the replication instance am-instance still uses it)",
      ]),
    );
  });

  it("GIVEN --keep-endpoints WHEN cleanup runs THEN the task and instance are deleted and both endpoints stay", async () => {
    const { ctx, fake } = await migrated();
    const report = await runCleanup(ctx, cleanupDepsFor(ctx), { keepEndpoints: true });
    expect(fake.callsTo("deleteEndpoint")).toEqual([]);
    expect([...fake.endpoints.keys()].sort()).toEqual(["am-source", "am-target"]);
    expect(fake.tasks.size + fake.replicationInstances.size).toBe(0);
    expect(report.remaining).toEqual(expect.arrayContaining(["DMS endpoint am-source (--keep-endpoints)", "DMS endpoint am-target (--keep-endpoints)"]));
  });

  it("GIVEN the slot held active by a replication connection WHEN cleanup runs THEN it refuses with exit 3 naming the pid and the holder, and drops it once the holder is gone", async () => {
    const { binDir } = sharedServerInfo("source");
    const recv = join(binDir, "pg_recvlogical");
    holder = spawn(recv, ["-h", "127.0.0.1", "-p", String(source.port), "-U", "postgres", "-d", source.name, "--slot", slot, "--start", "-f", "/dev/null"], { stdio: "ignore" });
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i += 1) {
      const rows = await source.sql<{ pid: number | null }>("SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
      pid = rows[0]?.pid ?? undefined;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid).toBeDefined();

    const { ctx } = await migrated();
    const err = await runCleanup(ctx, cleanupDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).message).toContain(`pid ${pid}`);
    expect((err as BlockedError).message).toContain("pg_recvlogical");
    expect((err as BlockedError).hint).toMatch(/stop it/);
    expect(await slotExists()).toBe(true);

    holder.kill("SIGTERM");
    for (let i = 0; i < 200; i += 1) {
      const rows = await source.sql<{ active: boolean }>("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slot]);
      if (!rows[0]?.active) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(report.done).toContain(`replication slot ${slot}`);
    expect(await slotExists()).toBe(false);
  });

  it("GIVEN DMS's DDL-capture objects in a schema of their own WHEN cleanup runs THEN the event trigger, function and audit table are gone and the schema stays", async () => {
    await source.sql(`CREATE SCHEMA dms_ddl; ${dmsArtefactsSql("dms_ddl")}`);
    const { ctx } = await migrated();
    await runCleanup(ctx, cleanupDepsFor(ctx));
    const left = await source.sql<{ n: string }>(
      `SELECT (SELECT count(*) FROM pg_event_trigger WHERE evtname = 'awsdms_intercept_ddl')
            + (SELECT count(*) FROM pg_proc WHERE proname = 'awsdms_intercept_ddl')
            + (SELECT count(*) FROM pg_class WHERE relname = 'awsdms_ddl_audit') AS n`,
    );
    expect(left[0]?.n).toBe("0");
    expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'dms_ddl'")).toHaveLength(1);
  });

  it("GIVEN a cleanup that already ran WHEN it runs again THEN no AWS call is made, nothing is dropped, and it says everything is already gone", async () => {
    await source.sql(dmsArtefactsSql("public"));
    const { ctx, fake } = await migrated();
    await runCleanup(ctx, cleanupDepsFor(ctx));
    fake.calls.length = 0;
    ctx.reporter.lines.length = 0;
    const second = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(fake.calls).toEqual([]);
    expect(second.done).toEqual([]);
    expect(second.alreadyGone).toEqual(
      expect.arrayContaining([`replication slot ${slot}`, "DMS's DDL-capture objects on the source", "dms-task am-task (deleted " + String(ctx.state.resources["dms-task"]?.["deletedAt"]) + ")"]),
    );
    expect(ctx.reporter.text).toMatch(/Nothing left to clean up/);
  });

  it("GIVEN resources AWS no longer has WHEN cleanup runs THEN each is reported already gone instead of failing", async () => {
    const { ctx, fake } = await migrated();
    fake.tasks.clear();
    fake.endpoints.clear();
    fake.replicationInstances.clear();
    fake.dmsSubnetGroups.clear();
    fake.securityGroups.clear();
    const report = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(report.alreadyGone).toEqual(
      expect.arrayContaining(["the DMS task am-task", "the DMS endpoint am-source", "the DMS endpoint am-target", "the DMS replication instance am-instance", "the DMS replication subnet group am-subnets"]),
    );
    expect(report.alreadyGone.some((l) => l.startsWith("the security-group rule"))).toBe(true);
    expect(fake.calls.filter((c) => c.method.startsWith("delete"))).toEqual([]);
  });

  it("GIVEN --dry-run WHEN cleanup runs THEN it prints the AWS calls and the statements, and nothing changes on AWS or the source", async () => {
    const fake = new FakeAws();
    const seeded = await seedMigration(fake);
    const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url, aws: fake, clock: new FakeClock(), dryRun: true });
    Object.assign(ctx.state.resources, seeded.resources, { [SLOT_RESOURCE_KEY]: { kind: RESOURCE_KIND.slot, id: slot, createdByUs: true, recordedAt: "2026-01-01T00:00:00.000Z" } });
    ctx.state.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", outcome: "switched" } };
    await runCleanup(ctx, cleanupDepsFor(ctx));
    // The lookups are made (a dry run sees what exists); nothing that changes AWS is.
    expect(fake.calls.filter((c) => !isReadCall(c.method))).toEqual([]);
    expect(fake.tasks.size).toBe(1);
    expect(ctx.reporter.text).toMatch(/\[dry-run\] would wait until the DMS task .* has stopped/);
    expect(ctx.reporter.text).toMatch(/\[dry-run\] DMS StopReplicationTask/);
    expect(ctx.reporter.text).toMatch(/\[dry-run\] DMS DeleteReplicationInstance/);
    expect(ctx.reporter.text).toMatch(/\[dry-run\] EC2 RevokeSecurityGroupIngress/);
    expect(ctx.reporter.text).toContain(`[dry-run] on the source: SELECT pg_drop_replication_slot('${slot}');`);
    expect(await slotExists()).toBe(true);
    expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toHaveLength(1);
  });
});
