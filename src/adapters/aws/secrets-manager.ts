import { clientOptions, lazySdk } from "./lazy-client.js";
import type { AwsClientConfig, SecretsManagerPort } from "./ports.js";

/** SecretsManagerPort over @aws-sdk/client-secrets-manager, loaded on the first call. */
export function secretsManagerAdapter(config: AwsClientConfig): SecretsManagerPort {
  const send = lazySdk(() => import("@aws-sdk/client-secrets-manager"), (sdk) => new sdk.SecretsManagerClient(clientOptions(config)));
  return {
    createSecret: (input) => send((sdk) => new sdk.CreateSecretCommand(input)),
    describeSecret: (input) => send((sdk) => new sdk.DescribeSecretCommand(input)),
    getSecretValue: (input) => send((sdk) => new sdk.GetSecretValueCommand(input)),
    putSecretValue: (input) => send((sdk) => new sdk.PutSecretValueCommand(input)),
    deleteSecret: (input) => send((sdk) => new sdk.DeleteSecretCommand(input)),
  };
}
