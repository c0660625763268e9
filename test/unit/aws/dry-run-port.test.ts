import { describe, expect, it } from "vitest";
import { dryRunServices, isReadCall } from "../../../src/adapters/aws/dry-run.js";
import type { AwsServices } from "../../../src/adapters/aws/ports.js";
import { MemoryReporter } from "../../../src/ui/reporter.js";
import { FakeAws } from "../../support/aws/fake-aws.js";

describe("the dry-run AWS port", () => {
  it("GIVEN the port around a fake WHEN a step reads and writes THEN reads reach the account, writes are printed and planned with plan values, none reaches it", async () => {
    const fake = new FakeAws();
    const reporter = new MemoryReporter();
    const aws = dryRunServices(fake, { reporter });
    const groups = await aws.ec2.describeSecurityGroups({ GroupIds: ["sg-default"] });
    expect(groups.SecurityGroups?.[0]?.GroupName).toBe("default");
    const created = await aws.ec2.createSecurityGroup({ GroupName: "m-sg", Description: "x", VpcId: "vpc-1" });
    expect(created.GroupId).toBe("<new security group m-sg>");
    const task = await aws.dms.createReplicationTask({ ReplicationTaskIdentifier: "t", SourceEndpointArn: "s", TargetEndpointArn: "d", ReplicationInstanceArn: "r", MigrationType: "full-load", TableMappings: "{}" });
    expect(task.ReplicationTask?.ReplicationTaskArn).toBe("<task ARN>");
    expect(fake.calls.map((c) => c.method)).toEqual(["describeSecurityGroups"]);
    expect(fake.calls.filter((c) => !isReadCall(c.method))).toEqual([]);
    expect(aws.planned.map((p) => p.method)).toEqual(["createSecurityGroup", "createReplicationTask"]);
    expect(reporter.text).toContain('[dry-run] EC2 CreateSecurityGroup {"GroupName":"m-sg"');
    expect(reporter.text).not.toContain("DescribeSecurityGroups");
  });

  it("GIVEN a resource that does not exist WHEN it is read THEN AWS's not-found reaches the step as usual", async () => {
    const aws = dryRunServices(new FakeAws(), { reporter: new MemoryReporter() });
    await expect(aws.rds.describeDBClusters({ DBClusterIdentifier: "nope" })).rejects.toThrow();
  });

  it("GIVEN no access to AWS WHEN the first read fails THEN it is said once and every read answers as if nothing existed", async () => {
    const fake = new FakeAws();
    const denied = Object.assign(new Error("no credentials"), { name: "CredentialsProviderError" });
    const broken = { ...fake, rds: { ...fake.rds, describeDBEngineVersions: () => Promise.reject(denied) } } as unknown as AwsServices;
    const reporter = new MemoryReporter();
    const aws = dryRunServices(broken, { reporter });
    expect(await aws.rds.describeDBEngineVersions({ Engine: "aurora-postgresql" })).toEqual({});
    expect(await aws.ec2.describeSecurityGroups({ GroupIds: ["sg-default"] })).toEqual({});
    expect(reporter.text.match(/Could not read AWS/g)).toHaveLength(1);
    expect(reporter.text).toContain("RDS DescribeDBEngineVersions: no credentials");
  });
});
