import { clientOptions, lazySdk } from "./lazy-client.js";
import type { AwsClientConfig, RdsPort } from "./ports.js";

/** RdsPort over @aws-sdk/client-rds, loaded on the first call. */
export function rdsAdapter(config: AwsClientConfig): RdsPort {
  const send = lazySdk(() => import("@aws-sdk/client-rds"), (sdk) => new sdk.RDSClient(clientOptions(config)));
  return {
    describeDBClusters: (input) => send((sdk) => new sdk.DescribeDBClustersCommand(input)),
    describeDBInstances: (input) => send((sdk) => new sdk.DescribeDBInstancesCommand(input)),
    describeDBEngineVersions: (input) => send((sdk) => new sdk.DescribeDBEngineVersionsCommand(input)),
    describeDBSubnetGroups: (input) => send((sdk) => new sdk.DescribeDBSubnetGroupsCommand(input)),
    createDBCluster: (input) => send((sdk) => new sdk.CreateDBClusterCommand(input)),
    createDBInstance: (input) => send((sdk) => new sdk.CreateDBInstanceCommand(input)),
    describeDBClusterParameterGroups: (input) => send((sdk) => new sdk.DescribeDBClusterParameterGroupsCommand(input)),
    describeDBClusterParameters: (input) => send((sdk) => new sdk.DescribeDBClusterParametersCommand(input)),
    createDBClusterParameterGroup: (input) => send((sdk) => new sdk.CreateDBClusterParameterGroupCommand(input)),
    modifyDBClusterParameterGroup: (input) => send((sdk) => new sdk.ModifyDBClusterParameterGroupCommand(input)),
    deleteDBClusterParameterGroup: (input) => send((sdk) => new sdk.DeleteDBClusterParameterGroupCommand(input)),
  };
}
