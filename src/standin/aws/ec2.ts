/**
 * The stand-in for Amazon EC2's security groups. On one machine nothing filters traffic, so
 * the groups and rules are only recorded, exactly as EC2 would hold them, with EC2's error
 * codes: what the wizard opens (and what cleanup must close) can be read back and checked.
 */
import type { IpPermission } from "@aws-sdk/client-ec2";
import type { Ec2Port } from "../../adapters/aws/ports.js";
import { type SecurityGroupRecord, type StandinAccount, ec2Id } from "./account.js";
import { answer, awsFault } from "./faults.js";

type Rule = SecurityGroupRecord["rules"][number];

function rulesOf(permissions: IpPermission[] | undefined): Omit<Rule, "ruleId">[] {
  const out: Omit<Rule, "ruleId">[] = [];
  for (const p of permissions ?? []) {
    const base = { protocol: p.IpProtocol ?? "tcp", port: p.FromPort ?? 0 };
    for (const g of p.UserIdGroupPairs ?? []) out.push({ ...base, ...(g.GroupId ? { sourceGroupId: g.GroupId } : {}), ...(g.Description ? { description: g.Description } : {}) });
    for (const r of p.IpRanges ?? []) out.push({ ...base, ...(r.CidrIp ? { cidr: r.CidrIp } : {}), ...(r.Description ? { description: r.Description } : {}) });
  }
  return out;
}

const sameRule = (a: Omit<Rule, "ruleId">, b: Omit<Rule, "ruleId">): boolean =>
  a.protocol === b.protocol && a.port === b.port && a.sourceGroupId === b.sourceGroupId && a.cidr === b.cidr;

export class StandinEc2 implements Ec2Port {
  constructor(private readonly account: StandinAccount) {}

  private get groups() {
    return this.account.data.securityGroups;
  }

  private shape(g: SecurityGroupRecord) {
    return {
      GroupId: g.id,
      GroupName: g.name,
      Description: g.description,
      VpcId: g.vpcId,
      OwnerId: this.account.data.accountId,
      IpPermissions: g.rules.map((r) => ({
        IpProtocol: r.protocol,
        FromPort: r.port,
        ToPort: r.port,
        ...(r.sourceGroupId ? { UserIdGroupPairs: [{ GroupId: r.sourceGroupId, ...(r.description ? { Description: r.description } : {}) }] } : {}),
        ...(r.cidr ? { IpRanges: [{ CidrIp: r.cidr, ...(r.description ? { Description: r.description } : {}) }] } : {}),
      })),
    };
  }

  private group(id: string | undefined): SecurityGroupRecord {
    const g = id ? this.groups[id] : undefined;
    if (!g) throw awsFault("InvalidGroup.NotFound", `The security group '${id ?? ""}' does not exist`);
    return g;
  }

  describeSecurityGroups: Ec2Port["describeSecurityGroups"] = (input) =>
    answer(() => {
    if (input.GroupIds?.length) return { SecurityGroups: input.GroupIds.map((id) => this.shape(this.group(id))) };
    const f = (name: string): string[] | undefined => input.Filters?.find((x) => x.Name === name)?.Values;
    const found = Object.values(this.groups).filter((g) => (!f("vpc-id") || f("vpc-id")?.includes(g.vpcId)) && (!f("group-name") || f("group-name")?.includes(g.name)));
    return { SecurityGroups: found.map((g) => this.shape(g)) };
    });

  createSecurityGroup: Ec2Port["createSecurityGroup"] = async (input) => {
    const vpcId = input.VpcId ?? "";
    if (Object.values(this.groups).some((g) => g.name === input.GroupName && g.vpcId === vpcId)) {
      throw awsFault("InvalidGroup.Duplicate", `The security group '${input.GroupName ?? ""}' already exists for VPC '${vpcId}'`);
    }
    const id = ec2Id("sg");
    this.groups[id] = { id, name: input.GroupName ?? id, description: input.Description ?? "", vpcId, rules: [] };
    await this.account.save();
    return { GroupId: id };
  };

  authorizeSecurityGroupIngress: Ec2Port["authorizeSecurityGroupIngress"] = async (input) => {
    const g = this.group(input.GroupId);
    const wanted = rulesOf(input.IpPermissions);
    if (wanted.some((w) => g.rules.some((r) => sameRule(r, w)))) throw awsFault("InvalidPermission.Duplicate", "the specified rule already exists");
    const added = wanted.map((w) => ({ ...w, ruleId: ec2Id("sgr") }));
    g.rules.push(...added);
    await this.account.save();
    return { Return: true, SecurityGroupRules: added.map((r) => ({ SecurityGroupRuleId: r.ruleId, GroupId: g.id, IsEgress: false, IpProtocol: r.protocol, FromPort: r.port, ToPort: r.port })) };
  };

  revokeSecurityGroupIngress: Ec2Port["revokeSecurityGroupIngress"] = async (input) => {
    const g = this.group(input.GroupId);
    const byId = new Set(input.SecurityGroupRuleIds ?? []);
    const wanted = rulesOf(input.IpPermissions);
    const remove = g.rules.filter((r) => byId.has(r.ruleId) || wanted.some((w) => sameRule(r, w)));
    if (remove.length === 0) throw awsFault("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
    g.rules = g.rules.filter((r) => !remove.includes(r));
    await this.account.save();
    return { Return: true };
  };
}
