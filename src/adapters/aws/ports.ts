/**
 * The narrow AWS interfaces the wizard's steps use: one per service, only the calls made,
 * typed with the SDK's own input/output types (type-only imports: nothing of the SDK is
 * loaded by importing this file). The real adapters (rds.ts, dms.ts, …) implement them with
 * `client.send(new XCommand(input))`; the demo's local stand-in implements the very same
 * interfaces, so a step cannot tell which one it talks to. Steps import only this file.
 *
 * Outputs drop `$metadata` (an SDK transport detail) so a stand-in need not invent one.
 */
import type {
  CreateDBClusterCommandInput,
  CreateDBClusterCommandOutput,
  CreateDBClusterParameterGroupCommandInput,
  CreateDBClusterParameterGroupCommandOutput,
  DeleteDBClusterParameterGroupCommandInput,
  DeleteDBClusterParameterGroupCommandOutput,
  DescribeDBClusterParameterGroupsCommandInput,
  DescribeDBClusterParameterGroupsCommandOutput,
  DescribeDBClusterParametersCommandInput,
  DescribeDBClusterParametersCommandOutput,
  ModifyDBClusterParameterGroupCommandInput,
  ModifyDBClusterParameterGroupCommandOutput,
  CreateDBInstanceCommandInput,
  CreateDBInstanceCommandOutput,
  DescribeDBClustersCommandInput,
  DescribeDBClustersCommandOutput,
  DescribeDBEngineVersionsCommandInput,
  DescribeDBEngineVersionsCommandOutput,
  DescribeDBInstancesCommandInput,
  DescribeDBInstancesCommandOutput,
  DescribeDBSubnetGroupsCommandInput,
  DescribeDBSubnetGroupsCommandOutput,
} from "@aws-sdk/client-rds";
import type {
  CreateEndpointCommandInput,
  CreateEndpointCommandOutput,
  CreateReplicationInstanceCommandInput,
  CreateReplicationInstanceCommandOutput,
  CreateReplicationSubnetGroupCommandInput,
  CreateReplicationSubnetGroupCommandOutput,
  CreateReplicationTaskCommandInput,
  CreateReplicationTaskCommandOutput,
  DescribeConnectionsCommandInput,
  DescribeConnectionsCommandOutput,
  DescribeEndpointsCommandInput,
  DescribeEndpointsCommandOutput,
  ModifyEndpointCommandInput,
  ModifyEndpointCommandOutput,
  DescribeReplicationInstancesCommandInput,
  DescribeReplicationInstancesCommandOutput,
  DescribeReplicationSubnetGroupsCommandInput,
  DescribeReplicationSubnetGroupsCommandOutput,
  DescribeReplicationTasksCommandInput,
  DescribeReplicationTasksCommandOutput,
  DescribeTableStatisticsCommandInput,
  DescribeTableStatisticsCommandOutput,
  DeleteCertificateCommandInput,
  DeleteCertificateCommandOutput,
  DeleteEndpointCommandInput,
  DeleteEndpointCommandOutput,
  DescribeCertificatesCommandInput,
  DescribeCertificatesCommandOutput,
  ImportCertificateCommandInput,
  ImportCertificateCommandOutput,
  DeleteReplicationInstanceCommandInput,
  DeleteReplicationInstanceCommandOutput,
  DeleteReplicationSubnetGroupCommandInput,
  DeleteReplicationSubnetGroupCommandOutput,
  DeleteReplicationTaskCommandInput,
  DeleteReplicationTaskCommandOutput,
  StartReplicationTaskCommandInput,
  StartReplicationTaskCommandOutput,
  StopReplicationTaskCommandInput,
  StopReplicationTaskCommandOutput,
  TestConnectionCommandInput,
  TestConnectionCommandOutput,
} from "@aws-sdk/client-database-migration-service";
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import type { FilterLogEventsCommandInput, FilterLogEventsCommandOutput } from "@aws-sdk/client-cloudwatch-logs";
import type {
  AuthorizeSecurityGroupIngressCommandInput,
  AuthorizeSecurityGroupIngressCommandOutput,
  CreateSecurityGroupCommandInput,
  CreateSecurityGroupCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
  RevokeSecurityGroupIngressCommandInput,
  RevokeSecurityGroupIngressCommandOutput,
} from "@aws-sdk/client-ec2";
import type {
  CreateRoleCommandInput,
  CreateRoleCommandOutput,
  DeleteRoleCommandInput,
  DeleteRoleCommandOutput,
  DeleteRolePolicyCommandInput,
  DeleteRolePolicyCommandOutput,
  GetRoleCommandInput,
  GetRoleCommandOutput,
  GetRolePolicyCommandInput,
  GetRolePolicyCommandOutput,
  PutRolePolicyCommandInput,
  PutRolePolicyCommandOutput,
} from "@aws-sdk/client-iam";
import type {
  CreateSecretCommandInput,
  CreateSecretCommandOutput,
  DeleteSecretCommandInput,
  DeleteSecretCommandOutput,
  DescribeSecretCommandInput,
  DescribeSecretCommandOutput,
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
  PutSecretValueCommandInput,
  PutSecretValueCommandOutput,
} from "@aws-sdk/client-secrets-manager";

/** An SDK command output without the transport metadata. */
export type Out<T> = Omit<T, "$metadata">;

/** Amazon RDS: the Aurora PostgreSQL target. */
export interface RdsPort {
  describeDBClusters(input: DescribeDBClustersCommandInput): Promise<Out<DescribeDBClustersCommandOutput>>;
  describeDBInstances(input: DescribeDBInstancesCommandInput): Promise<Out<DescribeDBInstancesCommandOutput>>;
  describeDBEngineVersions(input: DescribeDBEngineVersionsCommandInput): Promise<Out<DescribeDBEngineVersionsCommandOutput>>;
  describeDBSubnetGroups(input: DescribeDBSubnetGroupsCommandInput): Promise<Out<DescribeDBSubnetGroupsCommandOutput>>;
  createDBCluster(input: CreateDBClusterCommandInput): Promise<Out<CreateDBClusterCommandOutput>>;
  createDBInstance(input: CreateDBInstanceCommandInput): Promise<Out<CreateDBInstanceCommandOutput>>;
  /** The cluster parameter group that turns logical replication on (the rollback window: Aurora as a DMS source). */
  describeDBClusterParameterGroups(input: DescribeDBClusterParameterGroupsCommandInput): Promise<Out<DescribeDBClusterParameterGroupsCommandOutput>>;
  describeDBClusterParameters(input: DescribeDBClusterParametersCommandInput): Promise<Out<DescribeDBClusterParametersCommandOutput>>;
  createDBClusterParameterGroup(input: CreateDBClusterParameterGroupCommandInput): Promise<Out<CreateDBClusterParameterGroupCommandOutput>>;
  modifyDBClusterParameterGroup(input: ModifyDBClusterParameterGroupCommandInput): Promise<Out<ModifyDBClusterParameterGroupCommandOutput>>;
  deleteDBClusterParameterGroup(input: DeleteDBClusterParameterGroupCommandInput): Promise<Out<DeleteDBClusterParameterGroupCommandOutput>>;
}

/** AWS DMS: replication instance, endpoints (and the CA certificate a verified target uses), task; and their removal at cleanup. */
export interface DmsPort {
  describeReplicationSubnetGroups(input: DescribeReplicationSubnetGroupsCommandInput): Promise<Out<DescribeReplicationSubnetGroupsCommandOutput>>;
  createReplicationSubnetGroup(input: CreateReplicationSubnetGroupCommandInput): Promise<Out<CreateReplicationSubnetGroupCommandOutput>>;
  describeReplicationInstances(input: DescribeReplicationInstancesCommandInput): Promise<Out<DescribeReplicationInstancesCommandOutput>>;
  createReplicationInstance(input: CreateReplicationInstanceCommandInput): Promise<Out<CreateReplicationInstanceCommandOutput>>;
  /** The CA certificate (PEM, a bundle allowed) a target endpoint with SslMode verify-full checks Aurora against. */
  importCertificate(input: ImportCertificateCommandInput): Promise<Out<ImportCertificateCommandOutput>>;
  describeCertificates(input: DescribeCertificatesCommandInput): Promise<Out<DescribeCertificatesCommandOutput>>;
  /** Refused (InvalidResourceStateFault) while an endpoint uses the certificate. */
  deleteCertificate(input: DeleteCertificateCommandInput): Promise<Out<DeleteCertificateCommandOutput>>;
  describeEndpoints(input: DescribeEndpointsCommandInput): Promise<Out<DescribeEndpointsCommandOutput>>;
  createEndpoint(input: CreateEndpointCommandInput): Promise<Out<CreateEndpointCommandOutput>>;
  /** Only the settings that differ from what DMS holds (ExactSettings to drop a setting). */
  modifyEndpoint(input: ModifyEndpointCommandInput): Promise<Out<ModifyEndpointCommandOutput>>;
  testConnection(input: TestConnectionCommandInput): Promise<Out<TestConnectionCommandOutput>>;
  describeConnections(input: DescribeConnectionsCommandInput): Promise<Out<DescribeConnectionsCommandOutput>>;
  describeReplicationTasks(input: DescribeReplicationTasksCommandInput): Promise<Out<DescribeReplicationTasksCommandOutput>>;
  createReplicationTask(input: CreateReplicationTaskCommandInput): Promise<Out<CreateReplicationTaskCommandOutput>>;
  startReplicationTask(input: StartReplicationTaskCommandInput): Promise<Out<StartReplicationTaskCommandOutput>>;
  describeTableStatistics(input: DescribeTableStatisticsCommandInput): Promise<Out<DescribeTableStatisticsCommandOutput>>;
  stopReplicationTask(input: StopReplicationTaskCommandInput): Promise<Out<StopReplicationTaskCommandOutput>>;
  deleteReplicationTask(input: DeleteReplicationTaskCommandInput): Promise<Out<DeleteReplicationTaskCommandOutput>>;
  deleteEndpoint(input: DeleteEndpointCommandInput): Promise<Out<DeleteEndpointCommandOutput>>;
  deleteReplicationInstance(input: DeleteReplicationInstanceCommandInput): Promise<Out<DeleteReplicationInstanceCommandOutput>>;
  deleteReplicationSubnetGroup(input: DeleteReplicationSubnetGroupCommandInput): Promise<Out<DeleteReplicationSubnetGroupCommandOutput>>;
}

/** Amazon CloudWatch: the task's CDC latency metrics. */
export interface CloudWatchPort {
  getMetricData(input: GetMetricDataCommandInput): Promise<Out<GetMetricDataCommandOutput>>;
}

/** CloudWatch Logs: the last lines of a DMS task's log, shown with a failure. */
export interface LogsPort {
  filterLogEvents(input: FilterLogEventsCommandInput): Promise<Out<FilterLogEventsCommandOutput>>;
}

/** Amazon EC2: security groups and the one rule that lets DMS reach Aurora (revoked at cleanup). */
export interface Ec2Port {
  describeSecurityGroups(input: DescribeSecurityGroupsCommandInput): Promise<Out<DescribeSecurityGroupsCommandOutput>>;
  createSecurityGroup(input: CreateSecurityGroupCommandInput): Promise<Out<CreateSecurityGroupCommandOutput>>;
  authorizeSecurityGroupIngress(input: AuthorizeSecurityGroupIngressCommandInput): Promise<Out<AuthorizeSecurityGroupIngressCommandOutput>>;
  revokeSecurityGroupIngress(input: RevokeSecurityGroupIngressCommandInput): Promise<Out<RevokeSecurityGroupIngressCommandOutput>>;
}

/**
 * IAM: DMS's account roles (dms-vpc-role, dms-cloudwatch-logs-role) checked; the role DMS
 * assumes to read an endpoint's secret created, given its inline policy, removed at cleanup.
 */
export interface IamPort {
  getRole(input: GetRoleCommandInput): Promise<Out<GetRoleCommandOutput>>;
  createRole(input: CreateRoleCommandInput): Promise<Out<CreateRoleCommandOutput>>;
  getRolePolicy(input: GetRolePolicyCommandInput): Promise<Out<GetRolePolicyCommandOutput>>;
  putRolePolicy(input: PutRolePolicyCommandInput): Promise<Out<PutRolePolicyCommandOutput>>;
  deleteRolePolicy(input: DeleteRolePolicyCommandInput): Promise<Out<DeleteRolePolicyCommandOutput>>;
  deleteRole(input: DeleteRoleCommandInput): Promise<Out<DeleteRoleCommandOutput>>;
}

/** AWS Secrets Manager: the secrets DMS reads endpoint credentials from (and RDS's master secret). */
export interface SecretsManagerPort {
  createSecret(input: CreateSecretCommandInput): Promise<Out<CreateSecretCommandOutput>>;
  describeSecret(input: DescribeSecretCommandInput): Promise<Out<DescribeSecretCommandOutput>>;
  getSecretValue(input: GetSecretValueCommandInput): Promise<Out<GetSecretValueCommandOutput>>;
  putSecretValue(input: PutSecretValueCommandInput): Promise<Out<PutSecretValueCommandOutput>>;
  deleteSecret(input: DeleteSecretCommandInput): Promise<Out<DeleteSecretCommandOutput>>;
}

/** Every AWS service the wizard uses, for one region and credential set. */
export interface AwsServices {
  readonly rds: RdsPort;
  readonly dms: DmsPort;
  readonly cloudwatch: CloudWatchPort;
  readonly logs: LogsPort;
  readonly ec2: Ec2Port;
  readonly iam: IamPort;
  readonly secretsmanager: SecretsManagerPort;
}

export type ServiceName = keyof AwsServices;

/** Where the real clients point: --region / --profile, else the SDK's default chain. */
export interface AwsClientConfig {
  region?: string;
  profile?: string;
}

/**
 * Builds the services when a step first needs them (the CLI's is lazy; tests hand in fakes).
 * `config` carries the region the migration is pinned to (see session.ts) and --profile.
 */
export type AwsServicesFactory = (config: AwsClientConfig) => Promise<AwsServices>;

type Listed<F extends (input: never) => Promise<object>, K extends keyof Awaited<ReturnType<F>>> = NonNullable<Awaited<ReturnType<F>>[K]> extends readonly (infer I)[] ? I : never;

/** Items of the Describe outputs, named for steps (which never import the SDK). */
export type DbCluster = Listed<RdsPort["describeDBClusters"], "DBClusters">;
export type DbInstance = Listed<RdsPort["describeDBInstances"], "DBInstances">;
export type DbEngineVersion = Listed<RdsPort["describeDBEngineVersions"], "DBEngineVersions">;
export type DbSubnetGroup = Listed<RdsPort["describeDBSubnetGroups"], "DBSubnetGroups">;
export type DbClusterParameterGroup = Listed<RdsPort["describeDBClusterParameterGroups"], "DBClusterParameterGroups">;
export type ReplicationSubnetGroup = Listed<DmsPort["describeReplicationSubnetGroups"], "ReplicationSubnetGroups">;
export type ReplicationInstance = Listed<DmsPort["describeReplicationInstances"], "ReplicationInstances">;
export type DmsCertificate = Listed<DmsPort["describeCertificates"], "Certificates">;
export type DmsEndpoint = Listed<DmsPort["describeEndpoints"], "Endpoints">;
export type DmsConnection = Listed<DmsPort["describeConnections"], "Connections">;
export type ReplicationTask = Listed<DmsPort["describeReplicationTasks"], "ReplicationTasks">;
export type TableStatistics = Listed<DmsPort["describeTableStatistics"], "TableStatistics">;
export type SecurityGroup = Listed<Ec2Port["describeSecurityGroups"], "SecurityGroups">;

/** Inputs steps build up in pieces before a call. */
export type CreateEndpointInput = Parameters<DmsPort["createEndpoint"]>[0];
export type ModifyEndpointInput = Parameters<DmsPort["modifyEndpoint"]>[0];
