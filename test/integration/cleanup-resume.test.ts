import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { cleanupDepsFor } from "../../src/migration/cleanup/aws-deps.js";
import { RESOURCE_KIND } from "../../src/migration/cleanup/kinds.js";
import { runCleanup } from "../../src/migration/cleanup/run-cleanup.js";
import { runCleanupCommand } from "../../src/commands/cleanup.js";
import { runWizard } from "../../src/commands/wizard.js";
import { InterruptedError, OperationError } from "../../src/core/errors.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import type { SessionIo } from "../../src/commands/session.js";
import { type MigrationState, newState } from "../../src/state/schema.js";
import { readState, writeStateAtomic } from "../../src/state/store.js";
import { RES } from "../../src/migration/aws/resources.js";
import { WIZARD_STEPS } from "../../src/wizard/steps.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { FakeAws, fault } from "../support/aws/fake-aws.js";
import { FakeClock } from "../support/aws/harness.js";
import { type SeededMigration, seedMigration } from "../support/aws/seed.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { testContext } from "../support/step-context.js";

let source: TestDatabase;
let target: TestDatabase;
let dir: string;

beforeEach(async () => {
  source = await freshDatabase("source", "cleanres");
  target = await freshDatabase("target", "cleanres");
  await source.sql(MARKER_DDL.join(";\n"));
  await target.sql(MARKER_DDL.join(";\n"));
  dir = mkdtempSync(join(tmpdir(), "am-cleanres-"));
});
afterEach(async () => {
  await source.drop();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A migration switched over in a real state file: steps 1–12 done, its AWS side in the fake, the cluster included. */
async function switchedMigration(): Promise<{ options: GlobalOptions; fake: FakeAws; seeded: SeededMigration }> {
  const fake = new FakeAws();
  const seeded = await seedMigration(fake);
  await fake.rds.createDBCluster({ DBClusterIdentifier: "app-aurora", Engine: "aurora-postgresql", MasterUsername: "postgres" });
  fake.calls.length = 0;
  const state: MigrationState = newState("aurora-migrate@test", new Date("2026-11-24T10:00:00Z"));
  state.answers["source.url"] = source.url;
  state.answers["target.url"] = target.url;
  Object.assign(state.resources, seeded.resources);
  state.outputs["dms-task"] = seeded.task;
  state.outputs["cutover"] = { report: { frozeAt: "2026-11-24T11:00:00.000Z", outcome: "switched" } };
  for (const step of WIZARD_STEPS.filter((s) => s.id !== "cleanup")) state.steps[step.id] = { status: "done", attempts: 1, findings: [], finishedAt: "2026-11-24T11:00:00.000Z" };
  const statePath = join(dir, "m.state.json");
  await writeStateAtomic(statePath, state);
  return { options: { statePath, yes: true, json: false, dryRun: false, verbose: false, color: false }, fake, seeded };
}

function io(fake: FakeAws, signal = new AbortController().signal): SessionIo & { reporter: MemoryReporter } {
  return { reporter: new MemoryReporter(), signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) };
}

/**
 * Runs the wizard's resume into the cleanup step and stops it the way Ctrl-C (or a kill) does,
 * right after DMS accepted the replication instance's deletion: the task and the endpoints are
 * gone by then, the instance is still "deleting".
 */
async function cleanupStoppedWhileTheInstanceIsDeleting(options: GlobalOptions, fake: FakeAws): Promise<void> {
  const stop = new AbortController();
  const deleteInstance = fake.dms.deleteReplicationInstance;
  fake.dms.deleteReplicationInstance = async (input) => {
    const out = await deleteInstance(input);
    stop.abort();
    return out;
  };
  const err = await runWizard(options, "resume", io(fake, stop.signal)).catch((e: unknown) => e);
  fake.dms.deleteReplicationInstance = deleteInstance;
  expect(err).toBeInstanceOf(InterruptedError);
  expect(fake.tasks.size + fake.endpoints.size).toBe(0);
  expect([...fake.replicationInstances.values()].map((i) => i.ReplicationInstanceStatus)).toEqual(["deleting"]);
  const saved = await readState(options.statePath);
  expect(saved.resources[RES.task]?.["deletedAt"]).toBeDefined();
  expect(saved.resources[RES.instance]?.["deletedAt"]).toBeUndefined();
  expect((saved.outputs["cleanup"] as { startedAt?: string }).startedAt).toBeDefined();
}

/** Everything the migration created is gone from the fake, and recorded as deleted. */
async function expectAllCleanedUp(options: GlobalOptions, fake: FakeAws, seeded: SeededMigration): Promise<void> {
  expect(fake.tasks.size + fake.endpoints.size + fake.replicationInstances.size + fake.dmsSubnetGroups.size).toBe(0);
  // Only the user's own rule is left on Aurora's group.
  expect(fake.securityGroups.get(seeded.auroraGroupId)?.IpPermissions?.map((p) => p.IpRanges?.[0]?.CidrIp)).toEqual(["10.9.0.0/16"]);
  const state = await readState(options.statePath);
  expect(state.steps["cleanup"]?.status).toBe("done");
  for (const key of [RES.task, RES.sourceEndpoint, RES.targetEndpoint, RES.instance, RES.subnetGroup, RES.dmsIngress]) expect(state.resources[key]?.["deletedAt"], key).toBeDefined();
  expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
  expect(await target.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
}

describe("cleanup stopped half-way", () => {
  it("GIVEN cleanup was stopped while waiting for the replication instance's deletion WHEN `resume` runs THEN the done steps are not re-checked against AWS and the cleanup runs to the end", async () => {
    const { options, fake, seeded } = await switchedMigration();
    await cleanupStoppedWhileTheInstanceIsDeleting(options, fake);
    fake.calls.length = 0;
    const second = io(fake);
    await runWizard(options, "resume", second);
    expect(second.reporter.text).not.toMatch(/no longer exists in AWS/);
    // The cluster, the deleted task and endpoints are not looked up to verify steps 3–11.
    expect(fake.callsTo("describeDBClusters")).toEqual([]);
    expect(fake.callsTo("describeEndpoints")).toEqual([]);
    expect(second.reporter.text).toMatch(/Every step is done/);
    await expectAllCleanedUp(options, fake, seeded);
  });

  it("GIVEN cleanup was stopped while waiting for the replication instance's deletion WHEN `cleanup` runs THEN it waits for that deletion and finishes, and a later `resume` says every step is done", async () => {
    const { options, fake, seeded } = await switchedMigration();
    await cleanupStoppedWhileTheInstanceIsDeleting(options, fake);
    await runCleanupCommand(options, {}, io(fake));
    await expectAllCleanedUp(options, fake, seeded);
    const later = io(fake);
    await runWizard(options, "resume", later);
    expect(later.reporter.text).toMatch(/Every step is done; nothing to resume/);
  });

  it("GIVEN cleanup has started but an earlier step is not done WHEN `resume` runs THEN it refuses to go back to that step and points at `cleanup`", async () => {
    const { options, fake } = await switchedMigration();
    const state = await readState(options.statePath);
    state.steps["sync-wait"] = { status: "failed", attempts: 1, findings: [] };
    state.outputs["cleanup"] = { startedAt: "2026-11-24T12:00:00.000Z" };
    await writeStateAtomic(options.statePath, state);
    const err = (await runWizard(options, "resume", io(fake)).catch((e: unknown) => e)) as OperationError;
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toMatch(/Cleanup started at 2026-11-24T12:00:00.000Z/);
    expect(err.hint).toContain(`aurora-migrate cleanup --state ${options.statePath}`);
    expect(fake.calls).toEqual([]);
  });
});

describe("cleanup: the security-group rule", () => {
  it("GIVEN EC2 answers InvalidPermission.NotFound while the group still lists the tool's rule WHEN cleanup revokes it THEN it is not recorded as gone and the error says how to remove it by hand", async () => {
    const fake = new FakeAws({ failNext: new Map([["revokeSecurityGroupIngress", fault("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")]]) });
    const seeded = await seedMigration(fake);
    const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url, aws: fake, clock: new FakeClock() });
    Object.assign(ctx.state.resources, seeded.resources);
    ctx.state.outputs["cutover"] = { report: { frozeAt: "2026-11-24T11:00:00.000Z", outcome: "switched" } };
    const err = (await runCleanup(ctx, cleanupDepsFor(ctx)).catch((e: unknown) => e)) as OperationError;
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toContain(`The security group ${seeded.auroraGroupId} still admits TCP 5432 from ${seeded.dmsGroupId}`);
    expect(err.hint).toContain(`aws ec2 revoke-security-group-ingress --group-id ${seeded.auroraGroupId} --protocol tcp --port 5432 --source-group ${seeded.dmsGroupId}`);
    expect(ctx.state.resources[RES.dmsIngress]?.["deletedAt"]).toBeUndefined();
    expect(fake.callsTo("describeSecurityGroups").length).toBeGreaterThan(0);
    // Run again (EC2 now answers normally): the rule is revoked, confirmed, and recorded.
    await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(fake.securityGroups.get(seeded.auroraGroupId)?.IpPermissions?.flatMap((p) => p.UserIdGroupPairs ?? [])).toEqual([]);
    expect(ctx.state.resources[RES.dmsIngress]?.["deletedAt"]).toBeDefined();
  });

  it("GIVEN the rule was already removed by hand WHEN cleanup revokes it THEN EC2's InvalidPermission.NotFound is confirmed by describing the group and the rule counts as already gone", async () => {
    const fake = new FakeAws();
    const seeded = await seedMigration(fake);
    const group = fake.securityGroups.get(seeded.auroraGroupId);
    if (group) group.IpPermissions = (group.IpPermissions ?? []).filter((p) => !p.UserIdGroupPairs?.length);
    const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url, aws: fake, clock: new FakeClock() });
    Object.assign(ctx.state.resources, seeded.resources);
    ctx.state.outputs["cutover"] = { report: { frozeAt: "2026-11-24T11:00:00.000Z", outcome: "switched" } };
    const report = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(report.alreadyGone.join("\n")).toMatch(/security-group rule/);
    expect(fake.timeline.filter((e) => /SecurityGroup/.test(e))).toEqual(["call revokeSecurityGroupIngress", "call describeSecurityGroups"]);
    expect(ctx.state.resources[RES.dmsIngress]?.kind).toBe(RESOURCE_KIND.securityGroupRule);
  });
});
