import { cloudWatchAdapter, logsAdapter } from "./cloudwatch.js";
import { dmsAdapter } from "./dms.js";
import { ec2Adapter, iamAdapter } from "./ec2-iam.js";
import type { AwsClientConfig, AwsServices } from "./ports.js";
import { rdsAdapter } from "./rds.js";
import { secretsManagerAdapter } from "./secrets-manager.js";

/** The real AWS services for one region/profile. Each SDK package loads on its first call. */
export function createAwsServices(config: AwsClientConfig): AwsServices {
  return {
    rds: rdsAdapter(config),
    dms: dmsAdapter(config),
    cloudwatch: cloudWatchAdapter(config),
    logs: logsAdapter(config),
    ec2: ec2Adapter(config),
    iam: iamAdapter(config),
    secretsmanager: secretsManagerAdapter(config),
  };
}
