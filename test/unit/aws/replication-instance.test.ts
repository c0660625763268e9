import { describe, expect, it } from "vitest";
import type { AppError } from "../../../src/core/errors.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { replicationInstanceStep } from "../../../src/steps/replication-instance.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { harness, plausiblePreflight, sourceState } from "../../support/aws/harness.js";

const SOURCE_URL = "postgres://app@10.0.1.5:5432/shop";

async function afterAurora(fake: FakeAws, answers: Record<string, string | boolean | number> = {}, preflight = true) {
  const state = sourceState(SOURCE_URL, "shop");
  if (!preflight) delete state.outputs["source-preflight"];
  const h = harness(fake, state, { answers });
  await auroraClusterStep.run(h.ctx);
  return h;
}

describe("step 4: DMS replication instance", () => {
  it("GIVEN defaults WHEN the instance is created THEN it is not public (DMS's own default is public)", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake);
    await replicationInstanceStep.run(h.ctx);
    const create = fake.callsTo("createReplicationInstance")[0]?.input;
    expect(create?.["PubliclyAccessible"]).toBe(false);
    expect(fake.replicationInstances.get("aurora-migrate-shop-dms")?.PubliclyAccessible).toBe(false);
  });

  it("GIVEN the instance exists WHEN Aurora's port is opened THEN the rule names the instance's security group, not an address range", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake);
    await replicationInstanceStep.run(h.ctx);
    const dmsGroup = h.state.resources["dms-security-group"]?.id;
    const auroraGroup = h.state.resources["aurora-security-group"]?.id;
    const rule = fake.callsTo("authorizeSecurityGroupIngress")[0]?.input;
    expect(rule?.["GroupId"]).toBe(auroraGroup);
    expect(rule?.["IpPermissions"]).toEqual([
      { IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: dmsGroup, Description: "aurora-migrate: DMS replication instance aurora-migrate-shop-dms" }] },
    ]);
    expect(JSON.stringify(rule)).not.toContain("CidrIp");
    expect(h.state.resources["aurora-ingress-from-dms"]).toMatchObject({ kind: "security-group-rule", createdByUs: true, groupId: auroraGroup, sourceGroupId: dmsGroup, port: 5432 });
  });

  it("GIVEN the instance is available WHEN the step ends THEN the exact source-side opening and pg_hba.conf lines for its private address are printed", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake);
    const outcome = await replicationInstanceStep.run(h.ctx);
    expect(h.reporter.text).toContain("allow TCP 5432 from 10.0.12.34/32 to 10.0.1.5");
    expect(h.reporter.text).toContain("host  shop  app  10.0.12.34/32  md5");
    expect(h.reporter.text).toContain("host  replication  app  10.0.12.34/32  md5");
    expect(outcome?.findings?.[0]?.fix).toContain("host  replication  app  10.0.12.34/32  md5");
    // A state from before the preflight recorded password_encryption: md5, which accepts either storage.
    expect(h.reporter.text).toContain("md5: the server's password_encryption is not known here");
  });

  it("GIVEN a source whose password_encryption is scram-sha-256 WHEN the instance is available THEN the pg_hba.conf lines use scram-sha-256 and say why", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake);
    (h.state.outputs["source-preflight"] as Record<string, unknown>)["passwordEncryption"] = "scram-sha-256";
    await replicationInstanceStep.run(h.ctx);
    expect(h.reporter.lines).toContain("    host  shop  app  10.0.12.34/32  scram-sha-256");
    expect(h.reporter.lines).toContain("    host  replication  app  10.0.12.34/32  scram-sha-256");
    expect(h.reporter.text).not.toMatch(/10\.0\.12\.34\/32 +md5/);
    expect(h.reporter.text).toContain("scram-sha-256, as the server's password_encryption");
  });

  it("GIVEN the preflight's advice WHEN the class is asked THEN its class is proposed, named once, with what it is and its reason", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake);
    await replicationInstanceStep.run(h.ctx);
    const advice = h.reporter.lines.filter((l) => l.startsWith("Advice:"));
    expect(advice).toEqual(["Advice: dms.t3.medium (2 vCPU, 4 GiB, burstable), because database 3.0 GiB."]);
    expect(fake.callsTo("createReplicationInstance")[0]?.input["ReplicationInstanceClass"]).toBe(plausiblePreflight().suggestedInstanceClass);
  });

  it("GIVEN no preflight output WHEN the class is asked THEN the wizard's own fallback advice is used and says why", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake, {}, false);
    await replicationInstanceStep.run(h.ctx);
    expect(h.reporter.text).toContain("Advice: dms.c5.large, because the database size is unknown");
    expect(fake.callsTo("createReplicationInstance")[0]?.input["ReplicationInstanceClass"]).toBe("dms.c5.large");
  });

  it("GIVEN the account lacks dms-vpc-role WHEN the subnet group would be created THEN the step stops with the IAM commands that create it", async () => {
    const fake = new FakeAws({ roles: ["dms-cloudwatch-logs-role"] });
    const h = await afterAurora(fake);
    const err = (await replicationInstanceStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("The IAM role dms-vpc-role does not exist");
    expect(err.hint).toContain("aws iam attach-role-policy --role-name dms-vpc-role --policy-arn arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole");
    expect(fake.callsTo("createReplicationSubnetGroup")).toHaveLength(0);
  });

  it("GIVEN the user asks for a public instance WHEN it is created THEN the public address is the one to open on the source", async () => {
    const fake = new FakeAws();
    const h = await afterAurora(fake, { "dms.instance.public": true });
    await replicationInstanceStep.run(h.ctx);
    expect(fake.callsTo("createReplicationInstance")[0]?.input["PubliclyAccessible"]).toBe(true);
    expect(h.reporter.text).toContain("host  shop  app  203.0.113.9/32  md5");
  });
});
