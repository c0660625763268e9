/** RDS: engine versions, subnet groups, Aurora clusters and their instances (with RDS's own master secret). */
import type { RdsPort } from "../../../src/adapters/aws/ports.js";
import type { FakeAws } from "./fake-aws.js";
import { fault } from "./fake-secrets-iam.js";
import { strip } from "./fake-shapes.js";

export function fakeRds(aws: FakeAws): RdsPort {
  return {
    describeDBEngineVersions: (input) =>
      aws.op("rds", "describeDBEngineVersions", input, () => ({
        DBEngineVersions: ["13.15", "14.12", "15.4", "15.7", "16.3", "16.4", "17.2"].map((v) => ({ Engine: "aurora-postgresql", EngineVersion: v, MajorEngineVersion: v.split(".")[0], Status: "available" })),
      })),
    describeDBSubnetGroups: (input) =>
      aws.op("rds", "describeDBSubnetGroups", input, () => ({
        DBSubnetGroups: [
          { DBSubnetGroupName: "app-db", VpcId: "vpc-1", Subnets: [{ SubnetIdentifier: "subnet-a" }, { SubnetIdentifier: "subnet-b" }] },
        ].filter((g) => !input.DBSubnetGroupName || g.DBSubnetGroupName === input.DBSubnetGroupName),
      })),
    describeDBClusters: (input) =>
      aws.op("rds", "describeDBClusters", input, () => {
        if (input.DBClusterIdentifier) {
          const c = aws.clusters.get(input.DBClusterIdentifier);
          if (!c) throw fault("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found.`);
          aws.settle(c, "Status", "available");
          return { DBClusters: [strip(c)] };
        }
        return { DBClusters: [...aws.clusters.values()].map(strip) };
      }),
    describeDBInstances: (input) =>
      aws.op("rds", "describeDBInstances", input, () => {
        const i = input.DBInstanceIdentifier ? aws.instances.get(input.DBInstanceIdentifier) : undefined;
        if (!i) throw fault("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found.`);
        aws.settle(i, "DBInstanceStatus", "available");
        return { DBInstances: [strip(i)] };
      }),
    createDBCluster: (input) =>
      aws.op("rds", "createDBCluster", input, () => {
        const id = input.DBClusterIdentifier ?? "";
        if (aws.clusters.has(id)) throw fault("DBClusterAlreadyExistsFault", "DB Cluster already exists");
        const c = {
          DBClusterIdentifier: id,
          DBClusterArn: `arn:aws:rds:${aws.region}:${aws.accountId}:cluster:${id}`,
          Status: "creating",
          Engine: input.Engine,
          EngineVersion: input.EngineVersion,
          Endpoint: aws.o.clusterEndpoint?.host ?? `${id}.cluster-abc123.${aws.region}.rds.amazonaws.com`,
          ReaderEndpoint: `${id}.cluster-ro-abc123.${aws.region}.rds.amazonaws.com`,
          Port: aws.o.clusterEndpoint?.port ?? input.Port ?? 5432,
          MasterUsername: input.MasterUsername,
          DBSubnetGroup: input.DBSubnetGroupName,
          VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
          ...(input.ManageMasterUserPassword ? { MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:${aws.region}:${aws.accountId}:secret:rds!cluster-${id}`, SecretStatus: "active" } } : {}),
          StorageEncrypted: input.StorageEncrypted,
          describes: 0,
        };
        aws.clusters.set(id, c);
        // RDS's own secret: the master user's name and password, no host or port (DMS cannot use it).
        if (c.MasterUserSecret) aws.secretStore.add(`rds!cluster-${id}`, JSON.stringify({ username: input.MasterUsername, password: "Rds-Generated-pw1" }), { OwningService: "rds" }, c.MasterUserSecret.SecretArn);
        return { DBCluster: strip(c) };
      }),
    createDBInstance: (input) =>
      aws.op("rds", "createDBInstance", input, () => {
        const id = input.DBInstanceIdentifier ?? "";
        if (aws.instances.has(id)) throw fault("DBInstanceAlreadyExistsFault", "DB instance already exists");
        const i = { DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${aws.region}:${aws.accountId}:db:${id}`, DBInstanceStatus: "creating", DBClusterIdentifier: input.DBClusterIdentifier, PubliclyAccessible: input.PubliclyAccessible, describes: -1 };
        aws.instances.set(id, i);
        return { DBInstance: strip(i) };
      }),
  };
}
