import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountPathFor, createStandinAws, type StandinAws } from "../../src/standin/aws/index.js";
import { StandinCloudWatch } from "../../src/standin/aws/cloudwatch.js";
import { latencyQuery } from "../../src/migration/aws/latency.js";

let dir: string;
let aws: StandinAws;
let statePath: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "standin-aws-"));
  statePath = join(dir, "m.state.json");
  // Nothing here connects: the server that plays Aurora is only named.
  aws = await createStandinAws({ statePath, auroraServer: { host: "127.0.0.1", port: 1, user: "postgres", sslmode: "require" }, settleMs: 0 });
});
afterEach(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("stand-in CloudWatch", () => {
  const now = new Date("2026-05-01T12:00:30Z");
  const reader = (instanceId: string, taskId: string) => Promise.resolve(instanceId === "shop-dms" && taskId === "TASKID" ? { source: 1, target: 3 } : undefined);

  it("GIVEN the query the sync wait sends (instance id and task resource id) THEN both latencies come back", async () => {
    const cw = new StandinCloudWatch(reader, { now: () => now, sleep: () => Promise.resolve() });
    const out = await cw.getMetricData(latencyQuery("shop-dms", "TASKID", new Date(now.getTime() + 1000)));
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[1], [3]]);
  });

  it("GIVEN a query naming the task but not the instance THEN no datapoint, as CloudWatch matches exact dimension sets only", async () => {
    const cw = new StandinCloudWatch(reader, { now: () => now, sleep: () => Promise.resolve() });
    const q = latencyQuery("shop-dms", "TASKID", new Date(now.getTime() + 1000));
    for (const m of q.MetricDataQueries) m.MetricStat.Metric.Dimensions = m.MetricStat.Metric.Dimensions.filter((d) => d.Name === "ReplicationTaskIdentifier");
    const out = await cw.getMetricData(q);
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[], []]);
  });
});

describe("stand-in CloudWatch: the time range, as CloudWatch reads it", () => {
  const reader = () => Promise.resolve({ source: 2, target: 4 });

  it("GIVEN a fresh process (no sample yet) WHEN the latency is queried with EndTime = now THEN the sample taken now is answered, in the period in progress", async () => {
    const now = new Date("2026-05-01T12:00:30.250Z");
    const cw = new StandinCloudWatch(reader, { now: () => now, sleep: () => Promise.resolve() });
    const out = await cw.getMetricData(latencyQuery("shop-dms", "TASKID", now));
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[2], [4]]);
    expect(out.MetricDataResults?.[0]?.Timestamps).toEqual([new Date("2026-05-01T12:00:00Z")]);
  });

  it("GIVEN samples in two minutes WHEN EndTime is the start of the second minute THEN only the first minute's datapoint (EndTime exclusive)", async () => {
    let now = new Date("2026-05-01T12:00:30Z");
    const cw = new StandinCloudWatch(reader, { now: () => now, sleep: () => Promise.resolve() });
    await cw.getMetricData(latencyQuery("shop-dms", "TASKID", now));
    now = new Date("2026-05-01T12:01:10Z");
    const out = await cw.getMetricData(latencyQuery("shop-dms", "TASKID", new Date("2026-05-01T12:01:00Z")));
    expect(out.MetricDataResults?.[0]?.Timestamps).toEqual([new Date("2026-05-01T12:00:00Z")]);
  });

  it("GIVEN a sample at 12:00:10 WHEN StartTime is 12:00:40 THEN it counts: StartTime is rounded down to the minute and inclusive", async () => {
    let now = new Date("2026-05-01T12:00:10Z");
    const cw = new StandinCloudWatch(reader, { now: () => now, sleep: () => Promise.resolve() });
    await cw.getMetricData(latencyQuery("shop-dms", "TASKID", now));
    now = new Date("2026-05-01T12:00:50Z");
    const q = { ...latencyQuery("shop-dms", "TASKID", now), StartTime: new Date("2026-05-01T12:00:40Z") };
    const out = await cw.getMetricData(q);
    expect(out.MetricDataResults?.[0]?.Timestamps).toEqual([new Date("2026-05-01T12:00:00Z")]);
    expect(out.MetricDataResults?.[0]?.Values).toEqual([2]);
  });
});

describe("stand-in DMS and EC2", () => {
  const endpoint = { EndpointIdentifier: "src", EndpointType: "source" as const, EngineName: "postgres", ServerName: "127.0.0.1", Port: 5432, DatabaseName: "shop", Username: "postgres", Password: "s3cret-pw", SslMode: "require" as const };

  it("GIVEN an endpoint created with a password THEN the account file beside the state never holds it", async () => {
    await aws.dms.createEndpoint(endpoint);
    expect(readFileSync(accountPathFor(statePath), "utf8")).not.toContain("s3cret-pw");
  });

  it("GIVEN an endpoint of that name WHEN it is created again THEN DMS's ResourceAlreadyExistsFault", async () => {
    await aws.dms.createEndpoint(endpoint);
    await expect(aws.dms.createEndpoint(endpoint)).rejects.toMatchObject({ name: "ResourceAlreadyExistsFault" });
  });

  it("GIVEN no such task WHEN it is described by ARN THEN DMS's ResourceNotFoundFault", async () => {
    await expect(aws.dms.describeReplicationTasks({ Filters: [{ Name: "replication-task-arn", Values: ["arn:aws:dms:local-1:000000000000:task:NOPE"] }] })).rejects.toMatchObject({ name: "ResourceNotFoundFault" });
  });

  it("GIVEN a rule added to a security group WHEN it is added again, then revoked THEN InvalidPermission.Duplicate, and the group is left without it", async () => {
    const { GroupId } = await aws.ec2.createSecurityGroup({ GroupName: "g", Description: "d", VpcId: "vpc-0standin0local" });
    const rule = { GroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: "sg-other" }] }] };
    await aws.ec2.authorizeSecurityGroupIngress(rule);
    await expect(aws.ec2.authorizeSecurityGroupIngress(rule)).rejects.toMatchObject({ name: "InvalidPermission.Duplicate" });
    await aws.ec2.revokeSecurityGroupIngress(rule);
    const [group] = (await aws.ec2.describeSecurityGroups({ GroupIds: [GroupId ?? ""] })).SecurityGroups ?? [];
    expect(group?.IpPermissions).toEqual([]);
  });
});
