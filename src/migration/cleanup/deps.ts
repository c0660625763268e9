import type { ResourceRecord } from "../../state/schema.js";

/** What an AWS call in cleanup found: it did it, or there was nothing left to do. */
export type CleanupOutcome = "done" | "already-gone";

/**
 * The AWS side of cleanup, injected (cleanupDepsFor in aws-deps.ts over the AWS ports; tests
 * may hand in their own). Each call is handed the resource as recorded in the state and
 * resolves only once the change has happened (a deleted task is gone, so its endpoints can go
 * next); a resource that no longer exists is "already-gone", never an error, so cleanup can
 * run twice.
 */
export interface CleanupDeps {
  /** Stops the DMS task; "already-gone" when it is stopped already or does not exist. */
  stopTask(task: ResourceRecord): Promise<CleanupOutcome>;
  deleteTask(task: ResourceRecord): Promise<CleanupOutcome>;
  deleteEndpoint(endpoint: ResourceRecord): Promise<CleanupOutcome>;
  /** Deletes a CA certificate the tool imported into DMS (after the endpoints: DMS refuses while one uses it). */
  deleteCertificate(certificate: ResourceRecord): Promise<CleanupOutcome>;
  deleteInstance(instance: ResourceRecord): Promise<CleanupOutcome>;
  /** Deletes the DMS replication subnet group the tool created (after the instance). */
  deleteSubnetGroup(group: ResourceRecord): Promise<CleanupOutcome>;
  /** Deletes an IAM role the tool made for DMS to read an endpoint's secret (its inline policy first). */
  deleteRole(role: ResourceRecord): Promise<CleanupOutcome>;
  /** Deletes a Secrets Manager secret the tool made for an endpoint (at once: it only held a copy). */
  deleteSecret(secret: ResourceRecord): Promise<CleanupOutcome>;
  /** The Aurora cluster that still uses a cluster parameter group the tool made (RDS refuses to delete it then), or undefined. */
  clusterParameterGroupUser(group: ResourceRecord): Promise<string | undefined>;
  /** Deletes the cluster parameter group the tool made (rds.logical_replication = 1, the rollback window). */
  deleteClusterParameterGroup(group: ResourceRecord): Promise<CleanupOutcome>;
  /** Revokes one security-group rule the tool added. */
  revokeRule(rule: ResourceRecord): Promise<CleanupOutcome>;
}
