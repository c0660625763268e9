import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices } from "../../adapters/aws/ports.js";
import type { StepContext } from "../context.js";
import { findSecurityGroup } from "./lookups.js";
import { field, goneError, recordResource, recorded } from "./resources.js";

/**
 * A security group of the tool's own (one for Aurora, one for the replication instance):
 * the recorded one, else the one with its deterministic name in the VPC (a create whose
 * state write was lost), else a new one. New groups carry no ingress rule at all.
 */
export async function ensureSecurityGroup(
  ctx: StepContext,
  aws: AwsServices,
  o: { key: string; vpcId: string; name: string; description: string; what: string },
): Promise<string> {
  const rec = recorded(ctx, o.key);
  if (rec) {
    if (!(await findSecurityGroup(aws, { groupId: rec.id }))) throw goneError(o.what, rec.id, o.key, ctx.options.statePath);
    return rec.id;
  }
  const found = await findSecurityGroup(aws, { vpcId: o.vpcId, name: o.name });
  let groupId = found?.GroupId;
  if (groupId) {
    ctx.reporter.info(`Found the security group ${o.name} (${groupId}) from an earlier run; using it.`);
  } else {
    const out = await aws.ec2.createSecurityGroup({
      GroupName: o.name,
      Description: o.description,
      VpcId: o.vpcId,
      TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "created-by", Value: "aurora-migrate" }] }],
    });
    groupId = out.GroupId ?? "?";
    ctx.reporter.success(`Created the security group ${o.name} (${groupId}) in ${o.vpcId}, with no inbound rule.`);
  }
  await recordResource(ctx, o.key, { kind: "security-group", id: groupId, createdByUs: true, name: o.name, vpcId: o.vpcId });
  return groupId;
}

export type IngressSource = { groupId: string } | { cidr: string };

/**
 * One inbound TCP rule on `groupId`, from another security group (the normal case: a rule
 * that names the replication instance's group, not an address range) or from one CIDR the
 * user typed. Recorded for cleanup; adding it twice is harmless.
 */
export async function ensureIngress(
  ctx: StepContext,
  aws: AwsServices,
  o: {
    key: string;
    groupId: string;
    port: number;
    from: IngressSource;
    description: string;
    /** Whether a rule that was already there can only be ours (its source group is ours). */
    duplicateIsOurs: boolean;
  },
): Promise<void> {
  const rec = recorded(ctx, o.key);
  const fromText = "groupId" in o.from ? o.from.groupId : o.from.cidr;
  if (rec && field(rec, "groupId") === o.groupId && (field(rec, "sourceGroupId") ?? field(rec, "cidr")) === fromText) return;
  // A changed answer (say, another aurora.clientCidr on a retry) adds a new rule: the one
  // recorded before stays recorded under a key of its own, so cleanup still revokes it.
  if (rec) ctx.state.resources[`${o.key}:${field(rec, "sourceGroupId") ?? field(rec, "cidr") ?? rec.id}`] = rec;
  let ruleId: string | undefined;
  let addedNow = true;
  try {
    const out = await aws.ec2.authorizeSecurityGroupIngress({
      GroupId: o.groupId,
      IpPermissions: [
        {
          IpProtocol: "tcp",
          FromPort: o.port,
          ToPort: o.port,
          ...("groupId" in o.from
            ? { UserIdGroupPairs: [{ GroupId: o.from.groupId, Description: o.description }] }
            : { IpRanges: [{ CidrIp: o.from.cidr, Description: o.description }] }),
        },
      ],
    });
    ruleId = out.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
  } catch (err) {
    // The same rule already there: ours from a run whose state write was lost, or the user's.
    if (!isAwsError(err, "InvalidPermission.Duplicate")) throw err;
    addedNow = false;
  }
  await recordResource(ctx, o.key, {
    kind: "security-group-rule",
    id: ruleId ?? `${o.groupId}/tcp:${o.port}/${fromText}`,
    createdByUs: addedNow || o.duplicateIsOurs,
    groupId: o.groupId,
    protocol: "tcp",
    port: o.port,
    ...("groupId" in o.from ? { sourceGroupId: o.from.groupId } : { cidr: o.from.cidr }),
  });
  ctx.reporter.success(`Security group ${o.groupId} now admits TCP ${o.port} from ${fromText} only.`);
}
