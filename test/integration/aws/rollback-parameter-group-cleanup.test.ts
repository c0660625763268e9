/** Cleanup of the rollback window's cluster parameter group (issue 14, item 1), with the AWS fake and the real source. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RES } from "../../../src/migration/aws/resources.js";
import { cleanupDepsFor } from "../../../src/migration/cleanup/aws-deps.js";
import { runCleanup } from "../../../src/migration/cleanup/run-cleanup.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import type { MigrationState } from "../../../src/state/schema.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { harness, sourceState } from "../../support/aws/harness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "rbpg");
});
afterAll(async () => {
  await db.drop();
});

/** Step 3 done with the rollback window chosen; the cutover switched (cleanup's precondition). */
async function afterStep3(fake: FakeAws): Promise<MigrationState> {
  const state = sourceState(db.url, db.name);
  state.answers["rollback.window"] = true;
  const h = harness(fake, state);
  await auroraClusterStep.run(h.ctx);
  state.outputs["cutover"] = { report: { frozeAt: "2026-11-24T11:00:00.000Z", outcome: "switched" } };
  // The tests' "Aurora" is a shared server: cleanup is kept off it.
  delete state.answers["target.url"];
  return state;
}

const GROUP = (state: MigrationState) => state.resources[RES.clusterParameterGroup]!.id;

describe("cleanup: the rollback window's cluster parameter group", () => {
  it("GIVEN the cluster still uses the group WHEN cleanup runs (and under --dry-run) THEN the group is listed as remaining with the exact way to remove it, and no delete is sent", async () => {
    const fake = new FakeAws();
    const state = await afterStep3(fake);
    const group = GROUP(state);
    for (const dryRun of [true, false]) {
      const h = harness(fake, state, { options: { dryRun } });
      const report = await runCleanup(h.ctx, cleanupDepsFor(h.ctx));
      const line = report.remaining.find((r) => r.startsWith(`cluster parameter group ${group} `));
      expect(line).toBe(
        `cluster parameter group ${group} (the Aurora cluster ${state.resources[RES.cluster]!.id} uses it, keeping logical replication on; to remove it: ` +
          `aws rds modify-db-cluster --db-cluster-identifier ${state.resources[RES.cluster]!.id} --db-cluster-parameter-group-name default.aurora-postgresql${sourceMajorOf(state)} --apply-immediately, reboot the writer, then aws rds delete-db-cluster-parameter-group --db-cluster-parameter-group-name ${group})`,
      );
      expect(h.reporter.text).toContain(`cluster parameter group ${group}`);
    }
    expect(fake.callsTo("deleteDBClusterParameterGroup")).toHaveLength(0);
    expect(fake.clusterParameterGroups.has(group)).toBe(true);
  });

  it("GIVEN the cluster is gone WHEN cleanup runs THEN --dry-run plans the delete without sending it; a real run deletes the group (after the cluster), and a second run finds it already gone", async () => {
    const fake = new FakeAws();
    const state = await afterStep3(fake);
    const group = GROUP(state);
    fake.clusters.clear();

    const dry = harness(fake, state, { options: { dryRun: true } });
    await runCleanup(dry.ctx, cleanupDepsFor(dry.ctx));
    expect(dry.reporter.text).toContain("DeleteDBClusterParameterGroup");
    expect(dry.reporter.text).toContain(group);
    expect(fake.callsTo("deleteDBClusterParameterGroup")).toHaveLength(0);
    expect(fake.clusterParameterGroups.has(group)).toBe(true);

    const real = harness(fake, state);
    const report = await runCleanup(real.ctx, cleanupDepsFor(real.ctx));
    expect(report.done).toContain(`the cluster parameter group ${group}`);
    expect(fake.clusterParameterGroups.has(group)).toBe(false);
    expect(state.resources[RES.clusterParameterGroup]).toHaveProperty("deletedAt");

    const again = harness(fake, state);
    const second = await runCleanup(again.ctx, cleanupDepsFor(again.ctx));
    expect(second.done).not.toContain(`the cluster parameter group ${group}`);
    expect(second.alreadyGone.some((r) => r.startsWith(`aurora-cluster-parameter-group ${group}`))).toBe(true);
    expect(fake.callsTo("deleteDBClusterParameterGroup")).toHaveLength(1);
  });
});

function sourceMajorOf(state: MigrationState): string {
  return String(state.resources[RES.clusterParameterGroup]!["family"]).replace("aurora-postgresql", "");
}
