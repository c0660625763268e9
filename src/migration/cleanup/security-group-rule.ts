import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices, SecurityGroup } from "../../adapters/aws/ports.js";
import { OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import type { ResourceRecord } from "../../state/schema.js";
import { field } from "../aws/resources.js";
import type { CleanupOutcome } from "./deps.js";

/** The one inbound rule the tool added: a port from another group or from one CIDR. */
interface Rule {
  groupId: string;
  protocol: string;
  port: number;
  sourceGroupId?: string;
  cidr?: string;
}

/** Waits between describes while EC2's answer catches up (its API is eventually consistent). */
const CONFIRM_DELAYS_MS = [2_000, 4_000, 8_000, 16_000, 30_000];

function ruleOf(rec: ResourceRecord, statePath: string): Rule {
  const groupId = field(rec, "groupId");
  const port = rec["port"];
  const sourceGroupId = field(rec, "sourceGroupId");
  const cidr = field(rec, "cidr");
  if (!groupId || typeof port !== "number" || (!sourceGroupId && !cidr)) {
    throw new OperationError(`The security-group rule ${rec.id} is recorded without its group, port and source, so it cannot be revoked safely.`, {
      hint: `Remove it by hand in the EC2 console, then delete its entry from "resources" in ${statePath} and run cleanup again.`,
    });
  }
  return { groupId, protocol: field(rec, "protocol") ?? "tcp", port, ...(sourceGroupId ? { sourceGroupId } : { cidr: cidr ?? "" }) };
}

/** Whether the group, as described, still lets `rule` in. */
function stillListed(group: SecurityGroup | undefined, rule: Rule): boolean {
  return (group?.IpPermissions ?? []).some(
    (p) =>
      p.IpProtocol === rule.protocol &&
      p.FromPort === rule.port &&
      p.ToPort === rule.port &&
      (rule.sourceGroupId ? (p.UserIdGroupPairs ?? []).some((g) => g.GroupId === rule.sourceGroupId) : (p.IpRanges ?? []).some((r) => r.CidrIp === rule.cidr)),
  );
}

/** The group as EC2 describes it now; undefined when the group itself is gone (and its rules with it). */
async function describeGroup(aws: AwsServices, groupId: string): Promise<SecurityGroup | undefined> {
  try {
    return (await aws.ec2.describeSecurityGroups({ GroupIds: [groupId] })).SecurityGroups?.[0];
  } catch (err) {
    if (isAwsError(err, "InvalidGroup.NotFound")) return undefined;
    throw err;
  }
}

/**
 * Revokes the rule the tool added (exactly that one: from the other group, or the one CIDR
 * typed, never a wider match), then describes the group until the rule is no longer listed,
 * as AWS advises: a revoke that answers InvalidPermission.NotFound or lists the rule under
 * UnknownIpPermissions is "already-gone" only once the group confirms it. A rule still
 * listed is an error saying how to remove it by hand.
 */
export async function revokeRule(ctx: StepContext, aws: AwsServices, rec: ResourceRecord): Promise<CleanupOutcome> {
  const rule = ruleOf(rec, ctx.options.statePath);
  const source = rule.sourceGroupId ? { UserIdGroupPairs: [{ GroupId: rule.sourceGroupId }] } : { IpRanges: [{ CidrIp: rule.cidr }] };
  let outcome: CleanupOutcome = "done";
  try {
    const out = await aws.ec2.revokeSecurityGroupIngress({ GroupId: rule.groupId, IpPermissions: [{ IpProtocol: rule.protocol, FromPort: rule.port, ToPort: rule.port, ...source }] });
    // EC2 answers a rule that is not there with UnknownIpPermissions (default VPC) instead of an error.
    if (out.UnknownIpPermissions?.length) outcome = "already-gone";
  } catch (err) {
    if (isAwsError(err, "InvalidGroup.NotFound")) return "already-gone";
    if (!isAwsError(err, "InvalidPermission.NotFound")) throw err;
    outcome = "already-gone";
  }
  // Kept (--dry-run): the revoke was planned, not made; the group still lists the rule, so there is nothing to confirm.
  if (ctx.options.dryRun) return "done";
  for (const delay of [0, ...CONFIRM_DELAYS_MS]) {
    if (delay) await ctx.clock.sleep(delay, ctx.signal);
    if (!stillListed(await describeGroup(aws, rule.groupId), rule)) return outcome;
  }
  const from = rule.sourceGroupId ? `--source-group ${rule.sourceGroupId}` : `--cidr ${rule.cidr ?? ""}`;
  throw new OperationError(
    `The security group ${rule.groupId} still admits ${rule.protocol.toUpperCase()} ${rule.port} from ${rule.sourceGroupId ?? rule.cidr ?? "?"} after the revoke${outcome === "already-gone" ? " (EC2 answered that no such rule exists)" : ""}.`,
    {
      hint: `Look at the group's inbound rules in the EC2 console and remove that one by hand (aws ec2 revoke-security-group-ingress --group-id ${rule.groupId} --protocol ${rule.protocol} --port ${rule.port} ${from}), then run cleanup again.`,
    },
  );
}
