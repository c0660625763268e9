import { isAwsError } from "../../adapters/aws/errors.js";
import type {
  AwsServices,
  DbCluster,
  DbInstance,
  DmsCertificate,
  DmsEndpoint,
  ReplicationInstance,
  ReplicationSubnetGroup,
  ReplicationTask,
  SecurityGroup,
} from "../../adapters/aws/ports.js";

/**
 * Finding one resource by its identifier. AWS answers "no such thing" either with an error
 * (RDS, real DMS) or with an empty list (some emulators); both mean undefined here.
 */
async function one<T>(read: () => Promise<readonly T[] | undefined>, notFound: string[]): Promise<T | undefined> {
  try {
    return (await read())?.[0];
  } catch (err) {
    if (isAwsError(err, ...notFound)) return undefined;
    throw err;
  }
}

const RDS_CLUSTER_GONE = ["DBClusterNotFoundFault", "DBClusterNotFound"];
const RDS_INSTANCE_GONE = ["DBInstanceNotFoundFault", "DBInstanceNotFound"];
const DMS_GONE = ["ResourceNotFoundFault"];

export const findCluster = (aws: AwsServices, id: string): Promise<DbCluster | undefined> =>
  one(async () => (await aws.rds.describeDBClusters({ DBClusterIdentifier: id })).DBClusters, RDS_CLUSTER_GONE);

export const findDbInstance = (aws: AwsServices, id: string): Promise<DbInstance | undefined> =>
  one(async () => (await aws.rds.describeDBInstances({ DBInstanceIdentifier: id })).DBInstances, RDS_INSTANCE_GONE);

export const findSubnetGroup = (aws: AwsServices, id: string): Promise<ReplicationSubnetGroup | undefined> =>
  one(
    async () => (await aws.dms.describeReplicationSubnetGroups({ Filters: [{ Name: "replication-subnet-group-id", Values: [id] }] })).ReplicationSubnetGroups,
    DMS_GONE,
  );

export const findReplicationInstance = (aws: AwsServices, id: string): Promise<ReplicationInstance | undefined> =>
  one(
    async () => (await aws.dms.describeReplicationInstances({ Filters: [{ Name: "replication-instance-id", Values: [id] }] })).ReplicationInstances,
    DMS_GONE,
  );

export const findEndpoint = (aws: AwsServices, id: string): Promise<DmsEndpoint | undefined> =>
  one(async () => (await aws.dms.describeEndpoints({ Filters: [{ Name: "endpoint-id", Values: [id] }] })).Endpoints, DMS_GONE);

/** By ARN when recorded, else by identifier (an import whose state write was lost). */
export const findCertificate = (aws: AwsServices, by: { arn: string } | { id: string }): Promise<DmsCertificate | undefined> =>
  one(
    async () =>
      (await aws.dms.describeCertificates({ Filters: "arn" in by ? [{ Name: "certificate-arn", Values: [by.arn] }] : [{ Name: "certificate-id", Values: [by.id] }] })).Certificates,
    DMS_GONE,
  );

/** By ARN when recorded, else by identifier (a create whose state write was lost). */
export const findTask = (aws: AwsServices, by: { arn: string } | { id: string }): Promise<ReplicationTask | undefined> =>
  one(
    async () =>
      (
        await aws.dms.describeReplicationTasks({
          Filters: "arn" in by ? [{ Name: "replication-task-arn", Values: [by.arn] }] : [{ Name: "replication-task-id", Values: [by.id] }],
          WithoutSettings: false,
        })
      ).ReplicationTasks,
    DMS_GONE,
  );

export const findSecurityGroup = (aws: AwsServices, by: { vpcId: string; name: string } | { groupId: string }): Promise<SecurityGroup | undefined> =>
  one(
    async () =>
      (
        await aws.ec2.describeSecurityGroups(
          "groupId" in by
            ? { GroupIds: [by.groupId] }
            : {
                Filters: [
                  { Name: "vpc-id", Values: [by.vpcId] },
                  { Name: "group-name", Values: [by.name] },
                ],
              },
        )
      ).SecurityGroups,
    ["InvalidGroup.NotFound", "InvalidGroupId.Malformed"],
  );
