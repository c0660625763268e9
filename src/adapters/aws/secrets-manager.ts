import { clientOptions, once } from "./lazy-client.js";
import type { AwsClientConfig, SecretsManagerPort } from "./ports.js";

/** SecretsManagerPort over @aws-sdk/client-secrets-manager, loaded on the first call. */
export function secretsManagerAdapter(config: AwsClientConfig): SecretsManagerPort {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-secrets-manager");
    return { sdk, client: new sdk.SecretsManagerClient(clientOptions(config)) };
  });
  return {
    createSecret: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.CreateSecretCommand(input));
    },
    describeSecret: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DescribeSecretCommand(input));
    },
    getSecretValue: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.GetSecretValueCommand(input));
    },
    putSecretValue: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.PutSecretValueCommand(input));
    },
    deleteSecret: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.DeleteSecretCommand(input));
    },
  };
}
