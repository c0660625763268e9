import { clientOptions, lazySdk } from "./lazy-client.js";
import type { AwsClientConfig, DmsPort } from "./ports.js";

/** DmsPort over @aws-sdk/client-database-migration-service, loaded on the first call. */
export function dmsAdapter(config: AwsClientConfig): DmsPort {
  const send = lazySdk(() => import("@aws-sdk/client-database-migration-service"), (sdk) => new sdk.DatabaseMigrationServiceClient(clientOptions(config)));
  return {
    describeReplicationSubnetGroups: (input) => send((sdk) => new sdk.DescribeReplicationSubnetGroupsCommand(input)),
    createReplicationSubnetGroup: (input) => send((sdk) => new sdk.CreateReplicationSubnetGroupCommand(input)),
    describeReplicationInstances: (input) => send((sdk) => new sdk.DescribeReplicationInstancesCommand(input)),
    createReplicationInstance: (input) => send((sdk) => new sdk.CreateReplicationInstanceCommand(input)),
    importCertificate: (input) => send((sdk) => new sdk.ImportCertificateCommand(input)),
    describeCertificates: (input) => send((sdk) => new sdk.DescribeCertificatesCommand(input)),
    deleteCertificate: (input) => send((sdk) => new sdk.DeleteCertificateCommand(input)),
    describeEndpoints: (input) => send((sdk) => new sdk.DescribeEndpointsCommand(input)),
    createEndpoint: (input) => send((sdk) => new sdk.CreateEndpointCommand(input)),
    modifyEndpoint: (input) => send((sdk) => new sdk.ModifyEndpointCommand(input)),
    testConnection: (input) => send((sdk) => new sdk.TestConnectionCommand(input)),
    describeConnections: (input) => send((sdk) => new sdk.DescribeConnectionsCommand(input)),
    describeReplicationTasks: (input) => send((sdk) => new sdk.DescribeReplicationTasksCommand(input)),
    createReplicationTask: (input) => send((sdk) => new sdk.CreateReplicationTaskCommand(input)),
    startReplicationTask: (input) => send((sdk) => new sdk.StartReplicationTaskCommand(input)),
    describeTableStatistics: (input) => send((sdk) => new sdk.DescribeTableStatisticsCommand(input)),
    stopReplicationTask: (input) => send((sdk) => new sdk.StopReplicationTaskCommand(input)),
    deleteReplicationTask: (input) => send((sdk) => new sdk.DeleteReplicationTaskCommand(input)),
    deleteEndpoint: (input) => send((sdk) => new sdk.DeleteEndpointCommand(input)),
    deleteReplicationInstance: (input) => send((sdk) => new sdk.DeleteReplicationInstanceCommand(input)),
    deleteReplicationSubnetGroup: (input) => send((sdk) => new sdk.DeleteReplicationSubnetGroupCommand(input)),
  };
}
