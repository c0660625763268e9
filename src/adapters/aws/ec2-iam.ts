import { clientOptions, once } from "./lazy-client.js";
import type { AwsClientConfig, Ec2Port, IamPort } from "./ports.js";

/** Ec2Port over @aws-sdk/client-ec2, loaded on the first call. */
export function ec2Adapter(config: AwsClientConfig): Ec2Port {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-ec2");
    return { sdk, client: new sdk.EC2Client(clientOptions(config)) };
  });
  return {
    describeSecurityGroups: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeSecurityGroupsCommand(input));
    },
    createSecurityGroup: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateSecurityGroupCommand(input));
    },
    authorizeSecurityGroupIngress: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.AuthorizeSecurityGroupIngressCommand(input));
    },
    revokeSecurityGroupIngress: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.RevokeSecurityGroupIngressCommand(input));
    },
  };
}

/** IamPort over @aws-sdk/client-iam, loaded on the first call. IAM is global; the region only signs. */
export function iamAdapter(config: AwsClientConfig): IamPort {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-iam");
    return { sdk, client: new sdk.IAMClient(clientOptions(config)) };
  });
  return {
    getRole: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.GetRoleCommand(input));
    },
    createRole: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateRoleCommand(input));
    },
    getRolePolicy: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.GetRolePolicyCommand(input));
    },
    putRolePolicy: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.PutRolePolicyCommand(input));
    },
    deleteRolePolicy: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteRolePolicyCommand(input));
    },
    deleteRole: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteRoleCommand(input));
    },
  };
}
