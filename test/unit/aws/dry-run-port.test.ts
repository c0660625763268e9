import { describe, expect, it } from "vitest";
import { dryRunServices, isReadCall, plannedReads } from "../../../src/adapters/aws/dry-run.js";
import { awsFor } from "../../../src/migration/aws/context.js";
import { pollUntil } from "../../../src/migration/aws/poll.js";
import { harness, sourceState } from "../../support/aws/harness.js";
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

describe("the dry-run port remembers what it planned", () => {
  it("GIVEN a planned cluster and task WHEN they are described THEN the plan answers, in the state awaited, and AWS is not asked", async () => {
    const fake = new FakeAws();
    const aws = dryRunServices(fake, { reporter: new MemoryReporter() });
    await aws.rds.createDBCluster({ DBClusterIdentifier: "c1", Engine: "aurora-postgresql", MasterUsername: "postgres", ManageMasterUserPassword: true });
    const cluster = (await aws.rds.describeDBClusters({ DBClusterIdentifier: "c1" })).DBClusters?.[0];
    expect(cluster).toMatchObject({ Status: "available", Endpoint: "<writer endpoint of c1>", MasterUsername: "postgres" });
    const secret = await aws.secretsmanager.getSecretValue({ SecretId: cluster?.MasterUserSecret?.SecretArn ?? "" });
    expect(JSON.parse(secret.SecretString ?? "{}")).toEqual({ username: "postgres", password: "<the master password from RDS's secret>" });
    await aws.dms.createReplicationTask({ ReplicationTaskIdentifier: "t", SourceEndpointArn: "s", TargetEndpointArn: "d", ReplicationInstanceArn: "r", MigrationType: "full-load-and-cdc", TableMappings: "{}" });
    const read = async (): Promise<string | undefined> => (await aws.dms.describeReplicationTasks({ Filters: [{ Name: "replication-task-arn", Values: ["<task ARN>"] }] })).ReplicationTasks?.[0]?.Status;
    expect(await read()).toBe("ready");
    await aws.dms.startReplicationTask({ ReplicationTaskArn: "<task ARN>", StartReplicationTaskType: "start-replication" });
    expect(await read()).toBe("stopped");
    await aws.dms.startReplicationTask({ ReplicationTaskArn: "<task ARN>", StartReplicationTaskType: "resume-processing" });
    expect(await read()).toBe("running");
    expect(fake.calls).toEqual([]);
    expect(plannedReads(aws)).toBe(5);
  });

  it("GIVEN a resource read from the account WHEN the dry run plans its deletion THEN later reads show it deleting, counted as planned", async () => {
    const fake = new FakeAws();
    const aws = dryRunServices(fake, { reporter: new MemoryReporter() });
    const made = await fake.dms.createEndpoint({ EndpointIdentifier: "e1", EndpointType: "source", EngineName: "postgres" });
    const arn = made.Endpoint?.EndpointArn ?? "";
    const status = async (): Promise<string | undefined> => (await aws.dms.describeEndpoints({ Filters: [{ Name: "endpoint-id", Values: ["e1"] }] })).Endpoints?.[0]?.Status;
    const before = plannedReads(aws);
    expect(await status()).not.toBe("deleting");
    expect(plannedReads(aws)).toBe(before);
    await aws.dms.deleteEndpoint({ EndpointArn: arn });
    expect(await status()).toBe("deleting");
    expect(plannedReads(aws)).toBe(before + 1);
    expect(fake.calls.filter((c) => !isReadCall(c.method)).map((c) => c.method)).toEqual(["createEndpoint"]);
  });

  it("GIVEN a wait on something planned WHEN pollUntil reads it THEN it says what it would wait for and returns at once", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState("postgres://app@10.0.1.5:5432/shop", "shop"), { options: { dryRun: true } });
    const aws = await awsFor(h.ctx);
    await aws.dms.createReplicationInstance({ ReplicationInstanceIdentifier: "i1", ReplicationInstanceClass: "dms.t3.medium" });
    const got = await pollUntil(h.ctx, {
      what: "the instance i1",
      until: "the instance i1 is available",
      read: async () => (await aws.dms.describeReplicationInstances({ Filters: [{ Name: "replication-instance-id", Values: ["i1"] }] })).ReplicationInstances?.[0] ?? {},
      show: () => "",
      done: () => false,
      firstDelayMs: 5_000,
      maxDelayMs: 5_000,
      timeoutMs: 60_000,
    });
    expect(got.ReplicationInstanceStatus).toBe("available");
    expect(h.reporter.text).toContain("[dry-run] would wait until the instance i1 is available.");
  });
});
