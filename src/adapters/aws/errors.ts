import { AppError, OperationError, UsageError, errorMessage } from "../../core/errors.js";
import { SDK_MAX_ATTEMPTS } from "./lazy-client.js";
import type { ServiceName } from "./ports.js";

/** Which call failed: the port (service) and its method, e.g. `dms` / `createEndpoint`. */
export interface AwsCall {
  service: ServiceName;
  method: string;
}

const LABEL: Record<ServiceName, string> = { rds: "RDS", dms: "DMS", cloudwatch: "CloudWatch", logs: "CloudWatch Logs", ec2: "EC2", iam: "IAM", secretsmanager: "Secrets Manager" };
const IAM_PREFIX: Record<ServiceName, string> = { rds: "rds", dms: "dms", cloudwatch: "cloudwatch", logs: "logs", ec2: "ec2", iam: "iam", secretsmanager: "secretsmanager" };

/** `createDBCluster` → `CreateDBCluster`: the API operation's name. */
export function operationName(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1);
}

/** `RDS CreateDBCluster`. */
export function describeCall(call: AwsCall): string {
  return `${LABEL[call.service]} ${operationName(call.method)}`;
}

/** `dms:CreateEndpoint`: the IAM action a call needs. */
export function iamAction(call: AwsCall): string {
  return `${IAM_PREFIX[call.service]}:${operationName(call.method)}`;
}

/**
 * An AWS failure explained: the original error's code is kept so steps can still tell a
 * "not found" from an "already exists" after translation.
 */
export class AwsError extends OperationError {
  readonly code: string;
  constructor(code: string, message: string, options: { hint: string; cause: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The error's AWS code: the translated code, the SDK's `name`, or the wire `Code` (RDS, EC2). */
export function awsErrorCodes(err: unknown): string[] {
  if (typeof err !== "object" || err === null) return [];
  const e = err as { code?: unknown; name?: unknown; Code?: unknown };
  return [e.code, e.name, e.Code].filter((x): x is string => typeof x === "string");
}

/** True when `err` (raw or translated) carries one of `codes`. */
export function isAwsError(err: unknown, ...codes: string[]): boolean {
  return awsErrorCodes(err).some((c) => codes.includes(c));
}

const THROTTLING = ["Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "SlowDown", "PriorRequestNotComplete"];
const ACCESS_DENIED = ["AccessDenied", "AccessDeniedException", "AccessDeniedFault", "UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError", "NotAuthorized"];
const QUOTA = [
  "ResourceQuotaExceededFault",
  "DBClusterQuotaExceededFault",
  "DBInstanceQuotaExceededFault",
  "InstanceQuotaExceeded",
  "StorageQuotaExceeded",
  "StorageQuotaExceededFault",
  "DBSubnetQuotaExceededFault",
  "SecurityGroupLimitExceeded",
  "RulesPerSecurityGroupLimitExceeded",
  "LimitExceeded",
  "LimitExceededException",
  "InsufficientResourceCapacityFault",
  "InsufficientDBInstanceCapacity",
  "InsufficientDBInstanceCapacityFault",
];
const ALREADY_EXISTS = ["ResourceAlreadyExistsFault", "DBClusterAlreadyExistsFault", "DBInstanceAlreadyExistsFault", "DBInstanceAlreadyExists", "InvalidGroup.Duplicate", "DBSubnetGroupAlreadyExists", "DBSubnetGroupAlreadyExistsFault"];
const EXPIRED = ["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"];
const BAD_CREDENTIALS = ["InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "AuthFailure", "InvalidSignatureException"];

/**
 * Turns any error from an AWS call into an AppError that says what happened and what to do.
 * Errors no rule knows keep AWS's own message (with the code) and name the call.
 */
export function translateAwsError(err: unknown, call: AwsCall, context: { profile?: string } = {}): AppError {
  if (err instanceof AppError) return err;
  const codes = awsErrorCodes(err);
  const code = codes.find((c) => c !== "Error" && c !== "TypeError") ?? "Error";
  const message = errorMessage(err);
  const what = describeCall(call);
  const profileFlag = context.profile ? ` --profile ${context.profile}` : "";
  const make = (text: string, hint: string): AwsError => new AwsError(code, text, { hint, cause: err });

  if (/Region is missing/i.test(message)) {
    return new UsageError(`No AWS region is set, so ${what} cannot be called.`, {
      hint: "Pass --region (e.g. --region eu-west-1), set AWS_REGION, or set a region in your AWS profile (aws configure set region eu-west-1).",
      cause: err,
    });
  }
  if (/SSO session .*(expired|invalid)|Token is expired|sso.*token.*expired/i.test(message)) {
    return make(`Your AWS SSO session has expired, so ${what} could not be called.`, `Sign in again with \`aws sso login${profileFlag}\`, then resume.`);
  }
  if (codes.includes("CredentialsProviderError") || /Could not load credentials/i.test(message)) {
    return make(
      `No AWS credentials were found, so ${what} could not be called.`,
      "Give the wizard credentials the usual way: `aws configure` (or `aws sso login`) and --profile <name>, or AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment.",
    );
  }
  if (codes.some((c) => EXPIRED.includes(c))) {
    return make(`Your AWS credentials have expired (${code}) while calling ${what}.`, `Refresh them (\`aws sso login${profileFlag}\`, or new temporary keys), then resume.`);
  }
  if (codes.some((c) => BAD_CREDENTIALS.includes(c))) {
    return make(`AWS rejected the credentials for ${what} (${code}): ${message}`, "Check the access key (or profile) in use: `aws sts get-caller-identity`" + profileFlag + ".");
  }
  if (/dms-vpc-role/.test(message)) {
    return make(`DMS cannot manage the network: the IAM role dms-vpc-role is missing or not set up (${what}).`, DMS_VPC_ROLE_FIX);
  }
  if (codes.some((c) => ACCESS_DENIED.includes(c)) || /not authorized to perform/i.test(message)) {
    const action = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9]+)/i.exec(message)?.[1] ?? iamAction(call);
    return make(
      `AWS denied ${what}: your identity lacks the IAM permission ${action}.`,
      `Ask your AWS administrator to allow "${action}" for the user or role you run as (see \`aws sts get-caller-identity\`${profileFlag}), then resume.\nAWS said: ${message}`,
    );
  }
  const meta = (err as { $metadata?: { attempts?: number }; $retryable?: { throttling?: boolean } }) ?? {};
  if (codes.some((c) => THROTTLING.includes(c)) || meta.$retryable?.throttling === true) {
    // $metadata.attempts counts the first try too: 5 attempts are 4 retries.
    const attempts = meta.$metadata?.attempts ?? SDK_MAX_ATTEMPTS;
    const retries = attempts - 1;
    const tried = retries < 1 ? "the SDK gave up after one attempt" : `the SDK retried ${retries === 1 ? "once" : `${retries} times`} with backoff (${attempts} attempts) and gave up`;
    return make(
      `AWS kept throttling ${what} (${code}); ${tried}.`,
      "The account is making too many API calls (other tools, or several migrations at once). Wait a minute and resume; the wizard continues where it stopped.",
    );
  }
  if (codes.some((c) => QUOTA.includes(c))) {
    return make(
      `An AWS limit stopped ${what} (${code}): ${message}`,
      "Delete resources of this kind you no longer need, pick a smaller or different instance class, or request a higher quota in the Service Quotas console, then resume.",
    );
  }
  if (codes.some((c) => ALREADY_EXISTS.includes(c))) {
    return make(
      `The identifier is already taken (${what}, ${code}): ${message}`,
      "Another resource in this account and region already uses that name and this migration did not record it. Choose another identifier (remove its answer from the state file or the --config), or pick the existing resource when the wizard offers it.",
    );
  }
  return make(`${what} failed (${code}): ${message}`, "Check the message above; fix the cause in AWS and resume.");
}

/** What to run when dms-vpc-role is missing (DMS's console creates it; the API does not). */
export const DMS_VPC_ROLE_FIX = [
  "DMS needs the account role dms-vpc-role (the console creates it; API users create it once per account):",
  `  aws iam create-role --role-name dms-vpc-role --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"dms.amazonaws.com"},"Action":"sts:AssumeRole"}]}'`,
  "  aws iam attach-role-policy --role-name dms-vpc-role --policy-arn arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
  "Wait a minute for IAM to propagate, then resume.",
].join("\n");

/** What to run when dms-cloudwatch-logs-role is missing (tasks then write no logs). */
export const DMS_LOGS_ROLE_FIX = [
  "  aws iam create-role --role-name dms-cloudwatch-logs-role --assume-role-policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"dms.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'",
  "  aws iam attach-role-policy --role-name dms-cloudwatch-logs-role --policy-arn arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole",
].join("\n");
