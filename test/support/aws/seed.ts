import { RESOURCE_KIND } from "../../../src/migration/cleanup/kinds.js";
import type { ResourceRecord } from "../../../src/state/schema.js";
import { RES } from "../../../src/migration/aws/resources.js";
import type { DmsTaskOutput } from "../../../src/migration/outputs/aws.js";
import type { FakeAws } from "./fake-aws.js";

export interface SeededMigration {
  /** state.resources as the wizard's AWS steps record them. */
  resources: Record<string, ResourceRecord>;
  /** state.outputs["dms-task"]. */
  task: DmsTaskOutput;
  auroraGroupId: string;
  dmsGroupId: string;
}

const at = "2026-11-24T10:00:00.000Z";

/**
 * What steps 3–10 leave in the fake AWS, made through its own API: the two security groups
 * with the rule that lets DMS's group reach Aurora (and a rule of the user's own, from a CIDR,
 * that is not ours), the subnet group, a replication instance, both endpoints and a running
 * task. Returns the state records that point at them.
 */
export async function seedMigration(fake: FakeAws): Promise<SeededMigration> {
  const auroraGroupId = (await fake.ec2.createSecurityGroup({ GroupName: "am-aurora", Description: "aurora", VpcId: "vpc-1" })).GroupId!;
  const dmsGroupId = (await fake.ec2.createSecurityGroup({ GroupName: "am-dms", Description: "dms", VpcId: "vpc-1" })).GroupId!;
  const rule = await fake.ec2.authorizeSecurityGroupIngress({
    GroupId: auroraGroupId,
    IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: dmsGroupId, Description: "DMS" }] }],
  });
  await fake.ec2.authorizeSecurityGroupIngress({ GroupId: auroraGroupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: "10.9.0.0/16", Description: "the office" }] }] });
  await fake.dms.createReplicationSubnetGroup({ ReplicationSubnetGroupIdentifier: "am-subnets", ReplicationSubnetGroupDescription: "dms", SubnetIds: ["subnet-a", "subnet-b"] });
  const instance = (await fake.dms.createReplicationInstance({ ReplicationInstanceIdentifier: "am-instance", ReplicationInstanceClass: "dms.t3.medium", ReplicationSubnetGroupIdentifier: "am-subnets", PubliclyAccessible: false })).ReplicationInstance!;
  const source = (await fake.dms.createEndpoint({ EndpointIdentifier: "am-source", EndpointType: "source", EngineName: "postgres" })).Endpoint!;
  const target = (await fake.dms.createEndpoint({ EndpointIdentifier: "am-target", EndpointType: "target", EngineName: "aurora-postgresql" })).Endpoint!;
  const task = (
    await fake.dms.createReplicationTask({
      ReplicationTaskIdentifier: "am-task",
      SourceEndpointArn: source.EndpointArn,
      TargetEndpointArn: target.EndpointArn,
      ReplicationInstanceArn: instance.ReplicationInstanceArn,
      MigrationType: "full-load-and-cdc",
      TableMappings: "{}",
    })
  ).ReplicationTask!;
  // Past the full load and resumed: replicating.
  Object.assign(fake.tasks.get(task.ReplicationTaskArn!)!, { Status: "running", ReplicationTaskStartDate: new Date(at), phase: 10 });
  Object.assign(fake.replicationInstances.get("am-instance")!, { ReplicationInstanceStatus: "available" });
  fake.calls.length = 0;
  fake.timeline.length = 0;

  const rec = (kind: string, id: string, extra: Partial<ResourceRecord> = {}): ResourceRecord => ({ kind, id, createdByUs: true, recordedAt: at, ...extra });
  return {
    auroraGroupId,
    dmsGroupId,
    task: { taskId: "am-task", taskArn: task.ReplicationTaskArn!, taskResourceId: task.ReplicationTaskArn!.split(":").pop()!, instanceId: "am-instance", schemas: ["public"] },
    resources: {
      [RES.auroraSecurityGroup]: rec(RESOURCE_KIND.securityGroup, auroraGroupId, { vpcId: "vpc-1" }),
      [RES.dmsSecurityGroup]: rec(RESOURCE_KIND.securityGroup, dmsGroupId, { vpcId: "vpc-1" }),
      [RES.dmsIngress]: rec(RESOURCE_KIND.securityGroupRule, rule.SecurityGroupRules![0]!.SecurityGroupRuleId!, { groupId: auroraGroupId, protocol: "tcp", port: 5432, sourceGroupId: dmsGroupId }),
      [RES.subnetGroup]: rec(RESOURCE_KIND.subnetGroup, "am-subnets"),
      [RES.instance]: rec(RESOURCE_KIND.instance, "am-instance", { arn: instance.ReplicationInstanceArn! }),
      [RES.sourceEndpoint]: rec(RESOURCE_KIND.endpoint, "am-source", { arn: source.EndpointArn!, endpointType: "source" }),
      [RES.targetEndpoint]: rec(RESOURCE_KIND.endpoint, "am-target", { arn: target.EndpointArn!, endpointType: "target" }),
      [RES.task]: rec(RESOURCE_KIND.task, "am-task", { arn: task.ReplicationTaskArn! }),
      [RES.cluster]: rec(RESOURCE_KIND.cluster, "app-aurora"),
    },
  };
}
