import { clientOptions, once } from "./lazy-client.js";
import type { AwsClientConfig, RdsPort } from "./ports.js";

/** RdsPort over @aws-sdk/client-rds, loaded on the first call. */
export function rdsAdapter(config: AwsClientConfig): RdsPort {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-rds");
    return { sdk, client: new sdk.RDSClient(clientOptions(config)) };
  });
  return {
    describeDBClusters: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeDBClustersCommand(input));
    },
    describeDBInstances: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeDBInstancesCommand(input));
    },
    describeDBEngineVersions: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeDBEngineVersionsCommand(input));
    },
    describeDBSubnetGroups: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeDBSubnetGroupsCommand(input));
    },
    createDBCluster: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateDBClusterCommand(input));
    },
    createDBInstance: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateDBInstanceCommand(input));
    },
  };
}
