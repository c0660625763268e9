import { describe, expect, it } from "vitest";
import type { AppError } from "../../../src/core/errors.js";
import { RES } from "../../../src/migration/aws/resources.js";
import { cleanupDepsFor } from "../../../src/migration/cleanup/aws-deps.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { harness, sourceState } from "../../support/aws/harness.js";

const SOURCE_URL = "postgres://app@10.0.1.5:5432/shop";
const GROUP = "aurora-migrate-shop-logical-replication";

/** Step 3's harness with step 2's answer to the rollback-window question recorded. */
function withWindow(fake: FakeAws, chosen: boolean | undefined, answers: Record<string, string> = {}) {
  const state = sourceState(SOURCE_URL, "shop");
  if (chosen !== undefined) state.answers["rollback.window"] = chosen;
  return harness(fake, state, { answers });
}

async function existingCluster(fake: FakeAws, group?: string): Promise<void> {
  await fake.rds.createDBCluster({
    DBClusterIdentifier: "prod-aurora",
    Engine: "aurora-postgresql",
    EngineVersion: "16.4",
    MasterUsername: "admin1",
    DBSubnetGroupName: "app-db",
    VpcSecurityGroupIds: ["sg-prod"],
    ...(group ? { DBClusterParameterGroupName: group } : {}),
  });
  await fake.rds.createDBInstance({ DBInstanceIdentifier: "prod-aurora-1", DBClusterIdentifier: "prod-aurora", Engine: "aurora-postgresql", DBInstanceClass: "db.r6g.large" });
  const c = fake.clusters.get("prod-aurora")!;
  c.DBClusterMembers = [{ DBInstanceIdentifier: "prod-aurora-1", IsClusterWriter: true, DBClusterParameterGroupStatus: "in-sync" }];
  fake.calls.length = 0;
}

describe("step 3: the rollback window's cluster parameter group", () => {
  it("GIVEN the rollback window chosen WHEN a new cluster is created THEN a cluster parameter group of the engine's family gets rds.logical_replication = 1 (pending-reboot: static), is recorded before the cluster, and is passed to CreateDBCluster", async () => {
    const fake = new FakeAws();
    const h = withWindow(fake, true);
    await auroraClusterStep.run(h.ctx);

    expect(fake.callsTo("createDBClusterParameterGroup").map((c) => c.input)).toEqual([
      expect.objectContaining({ DBClusterParameterGroupName: GROUP, DBParameterGroupFamily: "aurora-postgresql15" }),
    ]);
    expect(fake.callsTo("modifyDBClusterParameterGroup").map((c) => c.input)).toEqual([
      { DBClusterParameterGroupName: GROUP, Parameters: [{ ParameterName: "rds.logical_replication", ParameterValue: "1", ApplyMethod: "pending-reboot" }] },
    ]);
    expect(fake.callsTo("createDBCluster")[0]?.input).toMatchObject({ EngineVersion: "15.7", DBClusterParameterGroupName: GROUP });
    expect(fake.clusterParameterGroups.get(GROUP)?.values.get("rds.logical_replication")).toBe("1");
    expect(h.state.resources[RES.clusterParameterGroup]).toMatchObject({ kind: "aurora-cluster-parameter-group", id: GROUP, createdByUs: true, family: "aurora-postgresql15", clusterId: "aurora-migrate-shop" });
    // Crash safety: a state saved before CreateDBCluster already holds the group.
    const t = fake.timeline;
    expect(t.indexOf("call createDBClusterParameterGroup")).toBeLessThan(t.indexOf("call createDBCluster"));
    expect(h.saved.some((s) => s.resources[RES.clusterParameterGroup] && !s.resources[RES.cluster])).toBe(true);
    expect(h.reporter.lines.join("\n")).toContain(`Created the cluster parameter group ${GROUP} (aurora-postgresql15) with rds.logical_replication = 1`);
  });

  it("GIVEN a crash right after the group was created, before it was recorded WHEN step 3 runs again THEN the group is found by name and reused (no second create, no duplicate fault), its parameter set, the cluster made with it", async () => {
    const fake = new FakeAws({ crashAfter: new Set(["createDBClusterParameterGroup"]) });
    const h = withWindow(fake, true);
    await expect(auroraClusterStep.run(h.ctx)).rejects.toThrow("simulated crash right after createDBClusterParameterGroup");
    expect(h.state.resources[RES.clusterParameterGroup]).toBeUndefined();
    expect(fake.callsTo("createDBCluster")).toHaveLength(0);

    await auroraClusterStep.run(h.ctx);
    expect(fake.callsTo("createDBClusterParameterGroup")).toHaveLength(1);
    expect(fake.clusterParameterGroups.get(GROUP)?.values.get("rds.logical_replication")).toBe("1");
    expect(h.state.resources[RES.clusterParameterGroup]).toMatchObject({ id: GROUP, createdByUs: true });
    expect(fake.callsTo("createDBCluster")[0]?.input["DBClusterParameterGroupName"]).toBe(GROUP);
    expect(h.reporter.lines.join("\n")).toContain(`Found the cluster parameter group ${GROUP} from an earlier run; using it.`);
  });

  it("GIVEN a whole step 3 done WHEN it runs again THEN nothing is created twice", async () => {
    const fake = new FakeAws();
    const h = withWindow(fake, true);
    await auroraClusterStep.run(h.ctx);
    await auroraClusterStep.run(h.ctx);
    expect(fake.callsTo("createDBClusterParameterGroup")).toHaveLength(1);
    expect(fake.callsTo("createDBCluster")).toHaveLength(1);
  });

  it("GIVEN the rollback window declined (or a state from before the question) WHEN the cluster is created THEN no parameter group is made and CreateDBCluster names none", async () => {
    for (const chosen of [false, undefined]) {
      const fake = new FakeAws();
      const h = withWindow(fake, chosen);
      await auroraClusterStep.run(h.ctx);
      expect(fake.calls.filter((c) => /ParameterGroup/.test(c.method))).toEqual([]);
      expect(fake.callsTo("createDBCluster")[0]?.input).not.toHaveProperty("DBClusterParameterGroupName");
      expect(h.state.resources[RES.clusterParameterGroup]).toBeUndefined();
    }
  });

  it("GIVEN an existing cluster on the default parameter group WHEN it is used with the rollback window THEN the step goes on and says exactly what to create, attach and reboot (every page of parameters read)", async () => {
    const fake = new FakeAws();
    await existingCluster(fake);
    const h = withWindow(fake, true, { "aurora.mode": "existing", "aurora.clusterId": "prod-aurora" });
    await auroraClusterStep.run(h.ctx);
    const text = h.reporter.lines.join("\n");
    expect(text).toContain("The rollback window needs rds.logical_replication = 1 on prod-aurora (it is off). The migration goes on without it, but the rollback window will not be available until it is on.");
    expect(text).toContain("aws rds create-db-cluster-parameter-group --db-cluster-parameter-group-name prod-aurora-logical-replication --db-parameter-group-family aurora-postgresql16");
    expect(text).toContain('aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name prod-aurora-logical-replication --parameters "ParameterName=rds.logical_replication,ParameterValue=1,ApplyMethod=pending-reboot"');
    expect(text).toContain("aws rds modify-db-cluster --db-cluster-identifier prod-aurora --db-cluster-parameter-group-name prod-aurora-logical-replication --apply-immediately");
    expect(text).toContain("aws rds reboot-db-instance --db-instance-identifier prod-aurora-1");
    // Nothing changed on the user's cluster; the parameters were read past the first page.
    expect(fake.calls.filter((c) => /^(create|modify|delete)/.test(c.method))).toEqual([]);
    expect(fake.callsTo("describeDBClusterParameters").length).toBeGreaterThan(1);
    expect(fake.callsTo("describeDBClusterParameters")[0]?.input).toMatchObject({ DBClusterParameterGroupName: "default.aurora-postgresql16" });
  });

  it("GIVEN an existing cluster with its own group where the parameter is 0 WHEN it is used THEN the advice names that group and the reboot; set but not applied THEN only the reboot; on THEN no warning", async () => {
    const fake = new FakeAws();
    await fake.rds.createDBClusterParameterGroup({ DBClusterParameterGroupName: "prod-params", DBParameterGroupFamily: "aurora-postgresql16", Description: "prod" });
    await existingCluster(fake, "prod-params");
    const run = async () => {
      const h = withWindow(fake, true, { "aurora.mode": "existing", "aurora.clusterId": "prod-aurora" });
      await auroraClusterStep.run(h.ctx);
      return h.reporter.lines.join("\n");
    };
    const off = await run();
    expect(off).toContain("Set rds.logical_replication = 1 in its cluster parameter group prod-params (a static parameter), then reboot the writer:");
    expect(off).toContain('aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name prod-params --parameters "ParameterName=rds.logical_replication,ParameterValue=1,ApplyMethod=pending-reboot"');
    expect(off).not.toContain("create-db-cluster-parameter-group");

    await fake.rds.modifyDBClusterParameterGroup({ DBClusterParameterGroupName: "prod-params", Parameters: [{ ParameterName: "rds.logical_replication", ParameterValue: "1", ApplyMethod: "pending-reboot" }] });
    fake.clusters.get("prod-aurora")!.DBClusterMembers![0]!.DBClusterParameterGroupStatus = "pending-reboot";
    const pending = await run();
    expect(pending).toContain("(it is set, not yet applied)");
    expect(pending).toContain("rds.logical_replication is 1 in prod-params, but waits for a reboot of the writer:\n  aws rds reboot-db-instance --db-instance-identifier prod-aurora-1");

    fake.clusters.get("prod-aurora")!.DBClusterMembers![0]!.DBClusterParameterGroupStatus = "in-sync";
    const on = await run();
    expect(on).toContain("prod-aurora has rds.logical_replication = 1: Aurora can be a DMS source for the rollback window.");
    expect(on).not.toContain("The rollback window needs");
  });
});

describe("the fake RDS is as strict as RDS about cluster parameter groups", () => {
  const code = async (p: Promise<unknown>): Promise<string> => ((await p.then(() => ({ name: "none" })).catch((e: unknown) => e)) as Error).name;

  it("refuses a duplicate name, a missing group, a static parameter applied immediately, the default group changed, and a group in use deleted", async () => {
    const fake = new FakeAws();
    const make = () => fake.rds.createDBClusterParameterGroup({ DBClusterParameterGroupName: "g1", DBParameterGroupFamily: "aurora-postgresql16", Description: "d" });
    await make();
    expect(await code(make())).toBe("DBParameterGroupAlreadyExistsFault");
    expect(await code(fake.rds.modifyDBClusterParameterGroup({ DBClusterParameterGroupName: "nope", Parameters: [{ ParameterName: "rds.logical_replication", ParameterValue: "1", ApplyMethod: "pending-reboot" }] }))).toBe("DBParameterGroupNotFoundFault");
    expect(await code(fake.rds.modifyDBClusterParameterGroup({ DBClusterParameterGroupName: "g1", Parameters: [{ ParameterName: "rds.logical_replication", ParameterValue: "1", ApplyMethod: "immediate" }] }))).toBe("InvalidParameterCombination");
    expect(await code(fake.rds.modifyDBClusterParameterGroup({ DBClusterParameterGroupName: "default.aurora-postgresql16", Parameters: [{ ParameterName: "rds.logical_replication", ParameterValue: "1", ApplyMethod: "pending-reboot" }] }))).toBe("InvalidDBParameterGroupStateFault");
    expect(await code(fake.rds.createDBCluster({ DBClusterIdentifier: "c15", Engine: "aurora-postgresql", EngineVersion: "15.7", DBClusterParameterGroupName: "g1" }))).toBe("InvalidParameterCombination");
    await fake.rds.createDBCluster({ DBClusterIdentifier: "c16", Engine: "aurora-postgresql", EngineVersion: "16.4", DBClusterParameterGroupName: "g1" });
    expect(await code(fake.rds.deleteDBClusterParameterGroup({ DBClusterParameterGroupName: "g1" }))).toBe("InvalidDBParameterGroupStateFault");
    fake.clusters.delete("c16");
    await fake.rds.deleteDBClusterParameterGroup({ DBClusterParameterGroupName: "g1" });
    expect(await code(fake.rds.deleteDBClusterParameterGroup({ DBClusterParameterGroupName: "g1" }))).toBe("DBParameterGroupNotFoundFault");
  });
});

describe("cleanup of the rollback window's parameter group", () => {
  it("GIVEN the tool's group WHEN the cluster still uses it THEN it is named as the user; RDS's refusal is explained; once the cluster is gone it is deleted, and a second time it is already gone", async () => {
    const fake = new FakeAws();
    const h = withWindow(fake, true);
    await auroraClusterStep.run(h.ctx);
    const rec = h.state.resources[RES.clusterParameterGroup]!;
    const deps = cleanupDepsFor(h.ctx);

    expect(await deps.clusterParameterGroupUser(rec)).toBe("aurora-migrate-shop");
    const err = (await deps.deleteClusterParameterGroup(rec).catch((e: unknown) => e)) as AppError;
    expect(err.message).toBe(`RDS refused to delete the cluster parameter group ${GROUP}: a cluster still uses it.`);
    // The fix names the default group of the recorded family and how to find the cluster.
    expect(err.hint).toMatch(/--db-cluster-parameter-group-name default\.aurora-postgresql\d+ --apply-immediately/);
    expect(err.hint).toContain(`DBClusterParameterGroup=='${GROUP}'`);
    expect(fake.clusterParameterGroups.has(GROUP)).toBe(true);

    fake.clusters.clear();
    expect(await deps.clusterParameterGroupUser(rec)).toBeUndefined();
    expect(await deps.deleteClusterParameterGroup(rec)).toBe("done");
    expect(fake.clusterParameterGroups.has(GROUP)).toBe(false);
    expect(await deps.deleteClusterParameterGroup(rec)).toBe("already-gone");
  });
});
