import { describe, expect, it } from "vitest";
import type { AppError } from "../../../src/core/errors.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { harness, sourceState } from "../../support/aws/harness.js";

const SOURCE_URL = "postgres://app@10.0.1.5:5432/shop";

describe("step 3: Aurora cluster", () => {
  it("GIVEN no answers beyond the defaults WHEN the step runs THEN it creates an encrypted cluster with an RDS-managed password, a writer, and waits until both are available", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"));
    await auroraClusterStep.run(h.ctx);

    const create = fake.callsTo("createDBCluster")[0]?.input;
    expect(create).toMatchObject({
      DBClusterIdentifier: "aurora-migrate-shop",
      Engine: "aurora-postgresql",
      // Source is 15.x: the smallest jump is the newest 15 minor.
      EngineVersion: "15.7",
      StorageEncrypted: true,
      ManageMasterUserPassword: true,
      DBSubnetGroupName: "app-db",
      DatabaseName: "shop",
    });
    expect(create).not.toHaveProperty("MasterUserPassword");
    expect(fake.callsTo("createDBInstance").map((c) => c.input["DBInstanceIdentifier"])).toEqual(["aurora-migrate-shop-writer"]);
    expect(fake.callsTo("createDBInstance")[0]?.input["PubliclyAccessible"]).toBe(false);
    // It waited: the writer was described until available.
    expect(fake.instances.get("aurora-migrate-shop-writer")?.DBInstanceStatus).toBe("available");
    expect(h.clock.sleeps.length).toBeGreaterThan(0);
    expect(h.clock.sleeps.every((ms) => ms >= 5_000)).toBe(true);
  });

  it("GIVEN the cluster is created WHEN the step ends THEN its ARN is recorded with the resource, its endpoint and port once in the step's output", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"));
    await auroraClusterStep.run(h.ctx);
    expect(h.state.resources["aurora-cluster"]).toMatchObject({
      kind: "aurora-cluster",
      id: "aurora-migrate-shop",
      arn: "arn:aws:rds:eu-west-1:123456789012:cluster:aurora-migrate-shop",
      createdByUs: true,
    });
    expect(h.state.resources["aurora-cluster"]).not.toHaveProperty("endpoint");
    expect(h.state.outputs["aurora-cluster"]).toMatchObject({ writerEndpoint: "aurora-migrate-shop.cluster-abc123.eu-west-1.rds.amazonaws.com", port: 5432 });
    // Where the tool connects (the endpoint itself, or a tunnel as in this harness): test/integration/aws/aurora-reachability.test.ts.
  });

  it("GIVEN defaults WHEN the step runs THEN the cluster's new security group has no inbound rule at all (nothing open to 0.0.0.0/0)", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"));
    await auroraClusterStep.run(h.ctx);
    const sg = h.state.resources["aurora-security-group"];
    expect(sg?.createdByUs).toBe(true);
    expect(fake.callsTo("createDBCluster")[0]?.input["VpcSecurityGroupIds"]).toEqual([sg?.id]);
    expect(fake.callsTo("authorizeSecurityGroupIngress")).toHaveLength(0);
    expect(JSON.stringify(fake.calls)).not.toContain("0.0.0.0/0");
  });

  it("GIVEN a reader is asked for and a typed password WHEN the step runs THEN a second instance is created and the password goes to AWS only", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"), {
      answers: { "aurora.reader": true, "aurora.passwordMode": "prompt" },
      secrets: { "target.password": "Sup3r-secret-pw" },
    });
    await auroraClusterStep.run(h.ctx);
    expect(fake.callsTo("createDBInstance").map((c) => c.input["DBInstanceIdentifier"])).toEqual(["aurora-migrate-shop-writer", "aurora-migrate-shop-reader"]);
    expect(fake.callsTo("createDBCluster")[0]?.input["MasterUserPassword"]).toBe("Sup3r-secret-pw");
    expect(JSON.stringify(h.saved)).not.toContain("Sup3r-secret-pw");
  });

  it("GIVEN a bad identifier in the config WHEN the step runs THEN it stops at the answer, before any create, quoting the RDS rule", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"), { answers: { "aurora.clusterId": "9-bad--name" } });
    const err = (await auroraClusterStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toMatch(/aurora\.clusterId.*must start with a letter/);
    expect(fake.callsTo("createDBCluster")).toHaveLength(0);
  });

  it("GIVEN 0.0.0.0/0 as this tool's address range WHEN the step runs THEN it is refused", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"), { answers: { "aurora.clientCidr": "0.0.0.0/0" } });
    const err = (await auroraClusterStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toMatch(/whole internet/);
    expect(fake.callsTo("authorizeSecurityGroupIngress")).toHaveLength(0);
  });

  it("GIVEN an address range for this tool WHEN the step runs THEN exactly that /32 is opened on the port and recorded for cleanup", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"), { answers: { "aurora.clientCidr": "203.0.113.7/32" } });
    await auroraClusterStep.run(h.ctx);
    const rule = fake.callsTo("authorizeSecurityGroupIngress")[0]?.input;
    expect(rule?.["IpPermissions"]).toEqual([{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: "203.0.113.7/32", Description: "aurora-migrate: this tool (schema load, cutover)" }] }]);
    expect(h.state.resources["aurora-ingress-from-client"]).toMatchObject({ kind: "security-group-rule", createdByUs: true, cidr: "203.0.113.7/32" });
  });

  it("GIVEN a rule opened for one address range WHEN a retry of the step is given another THEN the new one is opened and both stay recorded for cleanup", async () => {
    const fake = new FakeAws();
    const first = harness(fake, sourceState(SOURCE_URL, "shop"), { answers: { "aurora.clientCidr": "203.0.113.7/32" } });
    await auroraClusterStep.run(first.ctx);
    const retry = harness(fake, first.state, { answers: { "aurora.clientCidr": "198.51.100.9/32" } });
    await auroraClusterStep.run(retry.ctx);
    const rules = Object.values(retry.state.resources).filter((r) => r.kind === "security-group-rule" && "cidr" in r);
    expect(rules.map((r) => (r as { cidr?: string }).cidr).sort()).toEqual(["198.51.100.9/32", "203.0.113.7/32"]);
    expect(fake.callsTo("authorizeSecurityGroupIngress").filter((c) => JSON.stringify(c.input).includes("CidrIp"))).toHaveLength(2);
  });

  it("GIVEN an existing cluster older than the source WHEN it is picked THEN it is refused with the reason", async () => {
    const fake = new FakeAws();
    await fake.rds.createDBCluster({ DBClusterIdentifier: "legacy", Engine: "aurora-postgresql", EngineVersion: "14.12", MasterUsername: "admin1" });
    fake.calls.length = 0;
    const h = harness(fake, sourceState(SOURCE_URL, "shop"), { answers: { "aurora.mode": "existing", "aurora.clusterId": "legacy" } });
    const err = (await auroraClusterStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toMatch(/runs PostgreSQL 14\.12, older than the source's 15/);
  });

  it("GIVEN the recorded cluster was deleted WHEN the step is verified on resume THEN it is reported, not recreated", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState(SOURCE_URL, "shop"));
    await auroraClusterStep.run(h.ctx);
    fake.clusters.clear();
    const err = (await auroraClusterStep.verify?.(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toMatch(/Aurora cluster aurora-migrate-shop, recorded in .* no longer exists/);
    expect(fake.callsTo("createDBCluster")).toHaveLength(1);
  });
});
