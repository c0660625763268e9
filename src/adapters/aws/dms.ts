import { clientOptions, once } from "./lazy-client.js";
import type { AwsClientConfig, DmsPort } from "./ports.js";

/** DmsPort over @aws-sdk/client-database-migration-service, loaded on the first call. */
export function dmsAdapter(config: AwsClientConfig): DmsPort {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-database-migration-service");
    return { sdk, client: new sdk.DatabaseMigrationServiceClient(clientOptions(config)) };
  });
  return {
    describeReplicationSubnetGroups: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeReplicationSubnetGroupsCommand(input));
    },
    createReplicationSubnetGroup: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateReplicationSubnetGroupCommand(input));
    },
    describeReplicationInstances: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeReplicationInstancesCommand(input));
    },
    createReplicationInstance: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateReplicationInstanceCommand(input));
    },
    importCertificate: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.ImportCertificateCommand(input));
    },
    describeCertificates: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeCertificatesCommand(input));
    },
    deleteCertificate: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteCertificateCommand(input));
    },
    describeEndpoints: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeEndpointsCommand(input));
    },
    createEndpoint: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateEndpointCommand(input));
    },
    modifyEndpoint: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.ModifyEndpointCommand(input));
    },
    testConnection: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.TestConnectionCommand(input));
    },
    describeConnections: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeConnectionsCommand(input));
    },
    describeReplicationTasks: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeReplicationTasksCommand(input));
    },
    createReplicationTask: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateReplicationTaskCommand(input));
    },
    startReplicationTask: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.StartReplicationTaskCommand(input));
    },
    describeTableStatistics: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeTableStatisticsCommand(input));
    },
    stopReplicationTask: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.StopReplicationTaskCommand(input));
    },
    deleteReplicationTask: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteReplicationTaskCommand(input));
    },
    deleteEndpoint: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteEndpointCommand(input));
    },
    deleteReplicationInstance: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteReplicationInstanceCommand(input));
    },
    deleteReplicationSubnetGroup: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteReplicationSubnetGroupCommand(input));
    },
  };
}
