import { clientOptions, lazySdk } from "./lazy-client.js";
import type { AwsClientConfig, CloudWatchPort, LogsPort } from "./ports.js";

/**
 * CloudWatchPort over @aws-sdk/client-cloudwatch, loaded on the first call. The package is
 * pinned exactly in package.json: its wire protocol changed inside 3.x (Query → JSON 1.0).
 */
export function cloudWatchAdapter(config: AwsClientConfig): CloudWatchPort {
  const send = lazySdk(() => import("@aws-sdk/client-cloudwatch"), (sdk) => new sdk.CloudWatchClient(clientOptions(config)));
  return {
    getMetricData: (input) => send((sdk) => new sdk.GetMetricDataCommand(input)),
  };
}

/** LogsPort over @aws-sdk/client-cloudwatch-logs, loaded on the first call. */
export function logsAdapter(config: AwsClientConfig): LogsPort {
  const send = lazySdk(() => import("@aws-sdk/client-cloudwatch-logs"), (sdk) => new sdk.CloudWatchLogsClient(clientOptions(config)));
  return {
    filterLogEvents: (input) => send((sdk) => new sdk.FilterLogEventsCommand(input)),
  };
}
