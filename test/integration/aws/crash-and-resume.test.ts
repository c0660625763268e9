import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWizard } from "../../../src/commands/wizard.js";
import type { GlobalOptions } from "../../../src/migration/context.js";
import { readState, writeStateAtomic } from "../../../src/state/store.js";
import { MemoryReporter } from "../../../src/ui/reporter.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { AWS_STEPS_TO_FULL_LOAD } from "../../support/aws/flow.js";
import { FakeClock, UNATTENDED_ANSWERS, noOpStep, sourceState } from "../../support/aws/harness.js";
import { reachableAuroraAnswers } from "../../support/reachable-aurora.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "crash");
});
afterAll(async () => {
  await db.drop();
});

/** A migration whose steps 1–2 are recorded in a real state file, and a --config with the answers. */
async function migration(): Promise<GlobalOptions> {
  const dir = mkdtempSync(join(tmpdir(), "am-crash-"));
  const statePath = join(dir, "m.state.json");
  const configPath = join(dir, "answers.json");
  const state = sourceState(db.url, db.name);
  state.steps["source-connection"] = { status: "done", attempts: 1, findings: [] };
  state.steps["source-preflight"] = { status: "done", attempts: 1, findings: [] };
  await writeStateAtomic(statePath, state);
  writeFileSync(configPath, JSON.stringify({ ...UNATTENDED_ANSWERS, ...reachableAuroraAnswers() }));
  return { statePath, configPath, yes: true, json: false, dryRun: false, verbose: false, color: false };
}

const steps = AWS_STEPS_TO_FULL_LOAD.filter((s) => ["aurora-cluster", "replication-instance", "dms-endpoints", "dms-task"].includes(s.id));

async function resume(options: GlobalOptions, fake: FakeAws, list = steps): Promise<unknown> {
  return runWizard(options, "resume", { reporter: new MemoryReporter(), signal: new AbortController().signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) }, list).catch((e: unknown) => e);
}

const CASES: [method: string, count: (f: FakeAws) => number][] = [
  ["createSecurityGroup", (f) => f.securityGroups.size - 1],
  ["createDBCluster", (f) => f.clusters.size],
  ["createDBInstance", (f) => f.instances.size],
  ["authorizeSecurityGroupIngress", (f) => [...f.securityGroups.values()].reduce((n, g) => n + (g.IpPermissions?.length ?? 0), 0)],
  ["createReplicationInstance", (f) => f.replicationInstances.size],
  ["createSecret", (f) => [...f.secretStore.byArn.values()].filter((x) => x.Name.includes("/dms-")).length],
  ["createRole", (f) => f.roleStore.created.size],
  ["createEndpoint", (f) => f.endpoints.size],
  ["createReplicationTask", (f) => f.tasks.size],
];

describe("a crash between a create and the state write", () => {
  for (const [method, count] of CASES) {
    it(`GIVEN ${method} succeeded at AWS but the process died before recording it WHEN the migration is resumed THEN the resource is found and used, not created twice`, async () => {
      const options = await migration();
      const fake = new FakeAws({ crashAfter: new Set([method]) });
      const first = await resume(options, fake);
      expect(String(first)).toContain(`simulated crash right after ${method}`);
      const second = await resume(options, fake);
      expect(second).toBeUndefined();

      // The same run without a crash, for comparison.
      const baselineOptions = await migration();
      const baseline = new FakeAws();
      expect(await resume(baselineOptions, baseline)).toBeUndefined();
      expect(count(fake)).toBe(count(baseline));
      const state = await readState(options.statePath);
      const baselineState = await readState(baselineOptions.statePath);
      expect(Object.keys(state.resources).sort()).toEqual(Object.keys(baselineState.resources).sort());
      expect(state.steps["dms-task"]?.status).toBe("done");
    });
  }

  it("GIVEN a finished step's resource was deleted in AWS WHEN the migration is resumed THEN the wizard reports it instead of recreating it", async () => {
    const options = await migration();
    const fake = new FakeAws();
    expect(await resume(options, fake)).toBeUndefined();
    fake.endpoints.clear();
    // A later step still to do, so the resume verifies the done ones first.
    const err = (await resume(options, fake, [...steps, noOpStep("full-load", "Full load")])) as Error;
    expect(err.message).toMatch(/DMS endpoint .*-source, recorded in .* no longer exists in AWS/);
    expect(fake.callsTo("createEndpoint")).toHaveLength(2);
  });
});
