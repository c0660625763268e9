import { OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import type { ResourceRecord } from "../../state/schema.js";

/**
 * Keys of `state.resources` the AWS steps write. Cleanup (issue 5) reads them: every entry
 * with `createdByUs: true` is the tool's to remove. Never rename one.
 */
export const RES = {
  cluster: "aurora-cluster",
  writer: "aurora-writer",
  reader: "aurora-reader",
  /** The cluster parameter group with rds.logical_replication = 1 (the rollback window). */
  clusterParameterGroup: "aurora-cluster-parameter-group",
  auroraSecurityGroup: "aurora-security-group",
  clientIngress: "aurora-ingress-from-client",
  dmsSecurityGroup: "dms-security-group",
  dmsIngress: "aurora-ingress-from-dms",
  subnetGroup: "dms-subnet-group",
  instance: "replication-instance",
  sourceEndpoint: "dms-source-endpoint",
  targetEndpoint: "dms-target-endpoint",
  /** The RDS CA bundle imported into DMS, for the target endpoint's verify-full. */
  targetCertificate: "dms-target-certificate",
  sourceSecret: "dms-source-secret",
  targetSecret: "dms-target-secret",
  sourceSecretRole: "dms-source-secret-role",
  targetSecretRole: "dms-target-secret-role",
  task: "dms-task",
  slot: "replication-slot",
  /** The rollback window (issue 14): Aurora as a DMS source, the old server as a DMS target, the cdc task between them. */
  reverseSourceEndpoint: "dms-reverse-source-endpoint",
  reverseTargetEndpoint: "dms-reverse-target-endpoint",
  reverseTask: "dms-reverse-task",
  /** The logical slot on Aurora the reverse task reads (created at the cutover, after the drain). */
  auroraSlot: "aurora-replication-slot",
} as const;

export interface ResourceInput {
  kind: string;
  id: string;
  arn?: string | undefined;
  createdByUs: boolean;
  [extra: string]: unknown;
}

/** Records a resource and saves the state at once, so a crash right after still knows it. */
export async function recordResource(ctx: StepContext, key: string, resource: ResourceInput): Promise<ResourceRecord> {
  const record: ResourceRecord = { ...resource, recordedAt: ctx.clock.now().toISOString() };
  ctx.state.resources[key] = record;
  await ctx.save();
  return record;
}

export function recorded(ctx: StepContext, key: string): ResourceRecord | undefined {
  return ctx.state.resources[key];
}

/** A recorded resource that AWS no longer has: reported, never silently recreated. */
export function goneError(what: string, id: string, key: string, statePath: string): OperationError {
  return new OperationError(`The ${what} ${id}, recorded in ${statePath}, no longer exists in AWS.`, {
    hint:
      `Someone (or something) deleted it after the wizard created or chose it. The wizard does not silently recreate it: ` +
      `if that is what you want, remove "${key}" from "resources" in the state file (and mark the step pending), then resume.`,
  });
}

/** The extra string field of a record, e.g. the cluster's endpoint. */
export function field(record: ResourceRecord | undefined, name: string): string | undefined {
  const v = record?.[name];
  return typeof v === "string" ? v : undefined;
}
