import { clientOptions, lazySdk } from "./lazy-client.js";
import type { AwsClientConfig, Ec2Port, IamPort } from "./ports.js";

/** Ec2Port over @aws-sdk/client-ec2, loaded on the first call. */
export function ec2Adapter(config: AwsClientConfig): Ec2Port {
  const send = lazySdk(() => import("@aws-sdk/client-ec2"), (sdk) => new sdk.EC2Client(clientOptions(config)));
  return {
    describeSecurityGroups: (input) => send((sdk) => new sdk.DescribeSecurityGroupsCommand(input)),
    createSecurityGroup: (input) => send((sdk) => new sdk.CreateSecurityGroupCommand(input)),
    authorizeSecurityGroupIngress: (input) => send((sdk) => new sdk.AuthorizeSecurityGroupIngressCommand(input)),
    revokeSecurityGroupIngress: (input) => send((sdk) => new sdk.RevokeSecurityGroupIngressCommand(input)),
  };
}

/** IamPort over @aws-sdk/client-iam, loaded on the first call. IAM is global; the region only signs. */
export function iamAdapter(config: AwsClientConfig): IamPort {
  const send = lazySdk(() => import("@aws-sdk/client-iam"), (sdk) => new sdk.IAMClient(clientOptions(config)));
  return {
    getRole: (input) => send((sdk) => new sdk.GetRoleCommand(input)),
    createRole: (input) => send((sdk) => new sdk.CreateRoleCommand(input)),
    getRolePolicy: (input) => send((sdk) => new sdk.GetRolePolicyCommand(input)),
    putRolePolicy: (input) => send((sdk) => new sdk.PutRolePolicyCommand(input)),
    deleteRolePolicy: (input) => send((sdk) => new sdk.DeleteRolePolicyCommand(input)),
    deleteRole: (input) => send((sdk) => new sdk.DeleteRoleCommand(input)),
  };
}
