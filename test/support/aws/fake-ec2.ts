/** EC2: security groups and their ingress rules, with EC2's duplicate and not-found answers. */
import type { Ec2Port, SecurityGroup } from "../../../src/adapters/aws/ports.js";
import type { FakeAws } from "./fake-aws.js";
import { fault } from "./fake-secrets-iam.js";

export function fakeEc2(aws: FakeAws): Ec2Port {
  return {
    describeSecurityGroups: (input) =>
      aws.op("ec2", "describeSecurityGroups", input, () => {
        if (input.GroupIds) {
          const found = input.GroupIds.map((g) => aws.securityGroups.get(g));
          if (found.some((g) => !g)) throw fault("InvalidGroup.NotFound", "The security group does not exist");
          return { SecurityGroups: found as SecurityGroup[] };
        }
        const f = (name: string): string[] | undefined => input.Filters?.find((x) => x.Name === name)?.Values;
        return {
          SecurityGroups: [...aws.securityGroups.values()].filter((g) => (!f("vpc-id") || f("vpc-id")?.includes(g.VpcId ?? "")) && (!f("group-name") || f("group-name")?.includes(g.GroupName ?? ""))),
        };
      }),
    createSecurityGroup: (input) =>
      aws.op("ec2", "createSecurityGroup", input, () => {
        if ([...aws.securityGroups.values()].some((g) => g.GroupName === input.GroupName && g.VpcId === input.VpcId)) throw fault("InvalidGroup.Duplicate", `The security group '${input.GroupName}' already exists`);
        const id = aws.next("sg-");
        aws.securityGroups.set(id, { GroupId: id, GroupName: input.GroupName, VpcId: input.VpcId, IpPermissions: [] });
        return { GroupId: id };
      }),
    authorizeSecurityGroupIngress: (input) =>
      aws.op("ec2", "authorizeSecurityGroupIngress", input, () => {
        const g = aws.securityGroups.get(input.GroupId ?? "");
        if (!g) throw fault("InvalidGroup.NotFound", "The security group does not exist");
        const key = JSON.stringify(input.IpPermissions);
        if ((g.IpPermissions ?? []).some((p) => JSON.stringify([p]) === key)) throw fault("InvalidPermission.Duplicate", "the specified rule already exists");
        g.IpPermissions = [...(g.IpPermissions ?? []), ...(input.IpPermissions ?? [])];
        return { Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: aws.next("sgr-"), GroupId: g.GroupId }] };
      }),
    revokeSecurityGroupIngress: (input) =>
      aws.op("ec2", "revokeSecurityGroupIngress", input, () => {
        const g = aws.securityGroups.get(input.GroupId ?? "");
        if (!g) throw fault("InvalidGroup.NotFound", "The security group does not exist");
        for (const want of input.IpPermissions ?? []) {
          const same = (p: NonNullable<SecurityGroup["IpPermissions"]>[number]): boolean => p.IpProtocol === want.IpProtocol && p.FromPort === want.FromPort && p.ToPort === want.ToPort;
          const perm = (g.IpPermissions ?? []).find(
            (p) =>
              same(p) &&
              (want.UserIdGroupPairs ?? []).every((w) => p.UserIdGroupPairs?.some((x) => x.GroupId === w.GroupId)) &&
              (want.IpRanges ?? []).every((w) => p.IpRanges?.some((x) => x.CidrIp === w.CidrIp)),
          );
          // EC2's answer for a rule that is not there.
          if (!perm) throw fault("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
          perm.UserIdGroupPairs = (perm.UserIdGroupPairs ?? []).filter((x) => !want.UserIdGroupPairs?.some((w) => w.GroupId === x.GroupId));
          perm.IpRanges = (perm.IpRanges ?? []).filter((x) => !want.IpRanges?.some((w) => w.CidrIp === x.CidrIp));
        }
        g.IpPermissions = (g.IpPermissions ?? []).filter((p) => (p.UserIdGroupPairs?.length ?? 0) + (p.IpRanges?.length ?? 0) > 0);
        return { Return: true };
      }),
  };
}
