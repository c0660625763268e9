import { describe, expect, it } from "vitest";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { dmsEndpointsStep } from "../../../src/steps/dms-endpoints.js";
import { dmsTaskStep } from "../../../src/steps/dms-task.js";
import { fullLoadStep } from "../../../src/steps/full-load.js";
import { replicationInstanceStep } from "../../../src/steps/replication-instance.js";
import { resumeTaskStep } from "../../../src/steps/resume-task.js";
import { syncWaitStep } from "../../../src/steps/sync-wait.js";
import { isReadCall } from "../../../src/adapters/aws/dry-run.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { harness, sourceState } from "../../support/aws/harness.js";

describe("--dry-run", () => {
  it("GIVEN --dry-run WHEN steps 3–11 run THEN every AWS call that would change something is printed with secrets masked and none is made; the reads are made", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState("postgres://app@10.0.1.5:5432/shop", "shop"), {
      options: { dryRun: true },
      answers: { "dms.source.credentials": "password", "dms.target.credentials": "password", "aurora.passwordMode": "prompt" },
      secrets: { "source.password": "src-Pa55word", "target.password": "tgt-Pa55word" },
    });
    for (const step of [auroraClusterStep, replicationInstanceStep, dmsEndpointsStep, dmsTaskStep, fullLoadStep, resumeTaskStep, syncWaitStep]) await step.run(h.ctx);
    expect(fake.calls.filter((c) => !isReadCall(c.method))).toEqual([]);
    expect(fake.calls.length).toBeGreaterThan(0);
    const text = h.reporter.text;
    for (const op of ["RDS CreateDBCluster", "RDS CreateDBInstance", "EC2 CreateSecurityGroup", "EC2 AuthorizeSecurityGroupIngress", "DMS CreateReplicationInstance", "DMS CreateEndpoint", "DMS TestConnection", "DMS CreateReplicationTask", "DMS StartReplicationTask"]) {
      expect(text).toContain(`[dry-run] ${op} `);
    }
    expect(text).toMatch(/\[dry-run\] DMS CreateEndpoint .*"Password":"\*\*\*"/);
    expect(text).toMatch(/\[dry-run\] RDS CreateDBCluster .*"MasterUserPassword":"\*\*\*"/);
    expect(text).not.toMatch(/src-Pa55word|tgt-Pa55word/);
    expect(text).toContain('"StartReplicationTaskType":"start-replication"');
  });

  it("GIVEN --dry-run and the default credentials (secrets) WHEN steps 3–5 run THEN the secret, the role and its policy are printed with the secret's value masked, and no changing call is made", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState("postgres://app@10.0.1.5:5432/shop", "shop"), {
      options: { dryRun: true },
      answers: { "dms.source.credentialsArn": "" },
      secrets: { "source.password": "src-Pa55word" },
    });
    for (const step of [auroraClusterStep, replicationInstanceStep, dmsEndpointsStep]) await step.run(h.ctx);
    expect(fake.calls.filter((c) => !isReadCall(c.method))).toEqual([]);
    expect(fake.calls.length).toBeGreaterThan(0);
    const text = h.reporter.text;
    expect(text).toMatch(/\[dry-run\] Secrets Manager CreateSecret .*"SecretString":"\*\*\*"/);
    expect(text).toContain("[dry-run] IAM CreateRole ");
    expect(text).toContain("[dry-run] IAM PutRolePolicy ");
    expect(text).not.toContain("src-Pa55word");
  });
});
