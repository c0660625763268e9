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
        const family = `aurora-postgresql${(input.EngineVersion ?? "16").split(".")[0]}`;
        if (input.DBClusterParameterGroupName) {
          const g = aws.clusterParameterGroups.get(input.DBClusterParameterGroupName);
          if (!g) throw fault("DBClusterParameterGroupNotFoundFault", `DBClusterParameterGroup not found: ${input.DBClusterParameterGroupName}`);
          if (g.family !== family) throw fault("InvalidParameterCombination", `The parameter group ${input.DBClusterParameterGroupName} with DBParameterGroupFamily ${g.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`);
        }
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
          DBClusterParameterGroup: input.DBClusterParameterGroupName ?? `default.${family}`,
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
    ...parameterGroups(aws),
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

/** The static parameters of an aurora-postgresql cluster parameter group the fake knows, with their defaults (others: dynamic). */
const STATIC_DEFAULTS: Record<string, string> = { "rds.logical_replication": "0", max_replication_slots: "20", max_wal_senders: "20" };
/** Enough parameters that DescribeDBClusterParameters takes more than one page (RDS has ~400). */
const FILLER = Array.from({ length: 150 }, (_, i) => `filler_param_${String(i).padStart(3, "0")}`);
const PARAMETER_NAMES = [...FILLER.slice(0, 120), ...Object.keys(STATIC_DEFAULTS), ...FILLER.slice(120)];

/** RDS's cluster parameter groups, as strict as RDS: duplicate names, missing groups, static parameters, groups in use. */
function parameterGroups(aws: FakeAws): Pick<RdsPort, "describeDBClusterParameterGroups" | "describeDBClusterParameters" | "createDBClusterParameterGroup" | "modifyDBClusterParameterGroup" | "deleteDBClusterParameterGroup"> {
  const notFound = (name: string | undefined): Error => fault("DBParameterGroupNotFoundFault", `DBClusterParameterGroup not found: ${name ?? "(none)"}`);
  /** A group by name: one the account made, or a default.<family> group (read-only). */
  const group = (name: string | undefined): { family: string; values: Map<string, string>; isDefault: boolean } => {
    const made = name ? aws.clusterParameterGroups.get(name) : undefined;
    if (made) return { ...made, isDefault: false };
    const family = /^default\.(aurora-postgresql\d+)$/.exec(name ?? "")?.[1];
    if (family) return { family, values: new Map(), isDefault: true };
    throw notFound(name);
  };
  return {
    describeDBClusterParameterGroups: (input) =>
      aws.op("rds", "describeDBClusterParameterGroups", input, () => {
        const names = input.DBClusterParameterGroupName ? [input.DBClusterParameterGroupName] : [...aws.clusterParameterGroups.keys()];
        return {
          DBClusterParameterGroups: names.map((n) => {
            const g = group(n);
            return { DBClusterParameterGroupName: n, DBParameterGroupFamily: g.family, Description: aws.clusterParameterGroups.get(n)?.description ?? `Default cluster parameter group for ${g.family}` };
          }),
        };
      }),
    describeDBClusterParameters: (input) =>
      aws.op("rds", "describeDBClusterParameters", input, () => {
        const g = group(input.DBClusterParameterGroupName);
        const all = PARAMETER_NAMES.map((n) => {
          const set = g.values.get(n);
          return { ParameterName: n, ParameterValue: set ?? STATIC_DEFAULTS[n] ?? "0", Source: set === undefined ? "engine-default" : "user", ApplyType: n in STATIC_DEFAULTS ? "static" : "dynamic", IsModifiable: true };
        }).filter((p) => !input.Source || p.Source === input.Source);
        const max = input.MaxRecords ?? 100;
        if (max < 20 || max > 100) throw fault("InvalidParameterValue", "MaxRecords must be between 20 and 100.");
        const from = input.Marker ? Number(input.Marker) : 0;
        const page = all.slice(from, from + max);
        return { Parameters: page, ...(from + max < all.length ? { Marker: String(from + max) } : {}) };
      }),
    createDBClusterParameterGroup: (input) =>
      aws.op("rds", "createDBClusterParameterGroup", input, () => {
        const name = input.DBClusterParameterGroupName ?? "";
        if (!input.DBParameterGroupFamily || !input.Description) throw fault("InvalidParameterValue", "DBParameterGroupFamily and Description are required.");
        if (aws.clusterParameterGroups.has(name) || name.startsWith("default.")) throw fault("DBParameterGroupAlreadyExistsFault", `Parameter group ${name} already exists`);
        aws.clusterParameterGroups.set(name, { family: input.DBParameterGroupFamily, description: input.Description, values: new Map() });
        return { DBClusterParameterGroup: { DBClusterParameterGroupName: name, DBParameterGroupFamily: input.DBParameterGroupFamily, Description: input.Description } };
      }),
    modifyDBClusterParameterGroup: (input) =>
      aws.op("rds", "modifyDBClusterParameterGroup", input, () => {
        const g = group(input.DBClusterParameterGroupName);
        if (g.isDefault) throw fault("InvalidDBParameterGroupStateFault", "Default parameter groups cannot be modified.");
        for (const p of input.Parameters ?? []) {
          if (!p.ParameterName || !p.ApplyMethod) throw fault("InvalidParameterValue", "Each parameter needs ParameterName, ParameterValue and ApplyMethod.");
          if (p.ParameterName in STATIC_DEFAULTS && p.ApplyMethod === "immediate") throw fault("InvalidParameterCombination", `cannot use immediate apply method for static parameter ${p.ParameterName}`);
        }
        for (const p of input.Parameters ?? []) g.values.set(p.ParameterName ?? "", p.ParameterValue ?? "");
        return { DBClusterParameterGroupName: input.DBClusterParameterGroupName };
      }),
    deleteDBClusterParameterGroup: (input) =>
      aws.op("rds", "deleteDBClusterParameterGroup", input, () => {
        const name = input.DBClusterParameterGroupName ?? "";
        if (name.startsWith("default.")) throw fault("InvalidDBParameterGroupStateFault", "Default parameter groups cannot be deleted.");
        if (!aws.clusterParameterGroups.has(name)) throw notFound(name);
        const user = [...aws.clusters.values()].find((c) => c.DBClusterParameterGroup === name);
        if (user) throw fault("InvalidDBParameterGroupStateFault", `One or more database clusters are still members of this parameter group ${name}, so the group cannot be deleted`);
        aws.clusterParameterGroups.delete(name);
        return {};
      }),
  };
}
