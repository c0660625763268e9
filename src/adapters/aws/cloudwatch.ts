import { clientOptions, once } from "./lazy-client.js";
import type { AwsClientConfig, CloudWatchPort, LogsPort } from "./ports.js";

/**
 * CloudWatchPort over @aws-sdk/client-cloudwatch, loaded on the first call. The package is
 * pinned exactly in package.json: its wire protocol changed inside 3.x (Query → JSON 1.0).
 */
export function cloudWatchAdapter(config: AwsClientConfig): CloudWatchPort {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-cloudwatch");
    return { sdk, client: new sdk.CloudWatchClient(clientOptions(config)) };
  });
  return {
    getMetricData: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.GetMetricDataCommand(input));
    },
  };
}

/** LogsPort over @aws-sdk/client-cloudwatch-logs, loaded on the first call. */
export function logsAdapter(config: AwsClientConfig): LogsPort {
  const load = once(async () => {
    const sdk = await import("@aws-sdk/client-cloudwatch-logs");
    return { sdk, client: new sdk.CloudWatchLogsClient(clientOptions(config)) };
  });
  return {
    filterLogEvents: async (input) => {
      const { sdk, client } = await load();
      return client.send(new sdk.FilterLogEventsCommand(input));
    },
  };
}
