/**
 * The `kind` of each resource record cleanup acts on (state.resources), and the stable key
 * of the replication slot's record. The AWS steps record their resources under these kinds.
 */
export const RESOURCE_KIND = {
  task: "dms-task",
  endpoint: "dms-endpoint",
  /** A CA certificate imported into DMS (the RDS CA bundle the target endpoint verifies Aurora with). */
  certificate: "dms-certificate",
  /** A Secrets Manager secret holding an endpoint's credentials, and the IAM role DMS reads it with. */
  secret: "secretsmanager-secret",
  iamRole: "iam-role",
  instance: "dms-replication-instance",
  subnetGroup: "dms-subnet-group",
  securityGroup: "security-group",
  securityGroupRule: "security-group-rule",
  cluster: "aurora-cluster",
  /** The cluster parameter group the tool made (rds.logical_replication = 1, the rollback window). */
  clusterParameterGroup: "aurora-cluster-parameter-group",
  slot: "replication-slot",
} as const;

/** state.resources key of the DMS replication slot on the source (its `id` is the slot name). */
export const SLOT_RESOURCE_KEY = "replication-slot";
