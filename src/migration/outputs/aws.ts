import * as z from "zod";
import { pgLocationSchema } from "./location.js";

/** Step 1's `source-connection`: what the source said about itself (its location is the `source.url` answer). */
export const sourceConnectionOutput = z.looseObject({
  serverVersion: z.string(),
  serverVersionNum: z.number().int(),
  database: z.string(),
  user: z.string(),
});
export type SourceConnectionOutput = z.infer<typeof sourceConnectionOutput>;

/** Step 3's `aurora-cluster`: the cluster, and where the tool itself connects to it. */
export const auroraClusterOutput = z.looseObject({
  clusterId: z.string(),
  writerEndpoint: z.string(),
  port: z.number().int(),
  engineVersion: z.string(),
  vpcId: z.string(),
  subnetIds: z.array(z.string()),
  securityGroupId: z.string(),
  masterUsername: z.string(),
  /** The database DMS loads into (the source's name). */
  database: z.string(),
  /** Where RDS keeps the master password when it manages it (ManageMasterUserPassword). */
  masterSecretArn: z.string().optional(),
  clusterArn: z.string().optional(),
  /**
   * Where the tool itself connects (steps 7, 9, 12, hooks' DATABASE_URL): the writer endpoint,
   * or the user's `target.url` (a tunnel). The one record of the target's location; absent in
   * state files older than this field, which have the `target.url` answer instead.
   */
  target: pgLocationSchema.optional(),
  targetVia: z.enum(["endpoint", "target.url"]).optional(),
  /** Path of the RDS CA bundle the user named (never its content), for verify-full and DMS. */
  caBundle: z.string().optional(),
});
export type AuroraClusterOutput = z.infer<typeof auroraClusterOutput>;

/** Step 4's `replication-instance`. */
export const replicationInstanceOutput = z.looseObject({
  instanceId: z.string(),
  instanceArn: z.string(),
  instanceClass: z.string(),
  publiclyAccessible: z.boolean(),
  /** The addresses the source sees DMS connect from (public ones when public, else private). */
  sourceFacingIps: z.array(z.string()),
  securityGroupId: z.string(),
});
export type ReplicationInstanceOutput = z.infer<typeof replicationInstanceOutput>;

const credentialMode = z.enum(["secret", "password"]);

/** Step 5's `dms-endpoints`. */
export const dmsEndpointsOutput = z.looseObject({
  sourceEndpointArn: z.string(),
  targetEndpointArn: z.string(),
  /** How each endpoint logs in: a secret DMS reads through its role, or the password field. */
  sourceCredentials: credentialMode.optional(),
  targetCredentials: credentialMode.optional(),
  /** The imported RDS CA bundle the target endpoint verifies Aurora with (SslMode verify-full), when step 3 recorded one. */
  targetCertificateArn: z.string().optional(),
});
export type DmsEndpointsOutput = z.infer<typeof dmsEndpointsOutput>;

/** Step 6's `dms-task`. */
export const dmsTaskOutput = z.looseObject({
  taskId: z.string(),
  taskArn: z.string(),
  /** The CloudWatch dimension ReplicationTaskIdentifier: the ARN's last segment. */
  taskResourceId: z.string(),
  instanceId: z.string(),
  schemas: z.array(z.string()),
  /** Partitioned tables (parents and sub-partitioned partitions) the task's mappings exclude: their leaf partitions carry the rows. */
  excludedPartitionedTables: z.array(z.object({ schema: z.string(), table: z.string() })).optional(),
  /**
   * The big tables' full load (plan/parallel-load.ts): those split in ranges by a table-settings
   * rule (the split columns with their types, the boundaries as the task holds them), those
   * loaded whole and why, and the task's MaxFullLoadSubTasks. Absent in older states.
   */
  parallelLoad: z
    .object({
      thresholdBytes: z.number().nonnegative(),
      maxFullLoadSubTasks: z.number().int().positive(),
      split: z.array(
        z.object({
          schema: z.string(),
          table: z.string(),
          sizeBytes: z.number().nonnegative(),
          key: z.array(z.object({ name: z.string(), type: z.string() })),
          boundaries: z.array(z.array(z.string())),
        }),
      ),
      whole: z.array(z.object({ schema: z.string(), table: z.string(), sizeBytes: z.number().nonnegative(), reason: z.string() })),
    })
    .optional(),
});
export type DmsTaskOutput = z.infer<typeof dmsTaskOutput>;

/** Step 8's `full-load`: its progress, recorded as it goes. */
export const fullLoadOutput = z.looseObject({
  /** Logical slots of the source database before the first start: the new one is DMS's. */
  slotsBefore: z.array(z.string()).optional(),
  startedAt: z.string().optional(),
  startType: z.string().optional(),
  /** The wait's last reading (ui/progress-full-load.ts FullLoadProgress), for `status`; absent in older states. */
  progress: z
    .looseObject({
      at: z.string(),
      percent: z.number(),
      tablesLoaded: z.number(),
      tablesTotal: z.number(),
      rowsLoaded: z.number(),
      rowsTotal: z.number().optional(),
      rowsPerSecond: z.number().optional(),
      /** An estimate, from the source's table sizes. */
      bytesPerSecond: z.number().optional(),
      etaSeconds: z.number().optional(),
    })
    .optional(),
});
export type FullLoadOutput = z.infer<typeof fullLoadOutput>;
