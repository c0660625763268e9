import { AccessDeniedFault, ResourceAlreadyExistsFault, ResourceQuotaExceededFault } from "@aws-sdk/client-database-migration-service";
import { DBClusterAlreadyExistsFault } from "@aws-sdk/client-rds";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rdsAdapter } from "../../../src/adapters/aws/rds.js";
import { translateAwsError } from "../../../src/adapters/aws/errors.js";
import { UsageError } from "../../../src/core/errors.js";

const meta = { $metadata: { httpStatusCode: 400, attempts: 1 } };

/**
 * The real SDK's credential chain and region lookup, isolated from this machine: no keys, no
 * profile files, and instance metadata off (so nothing reaches the network).
 */
const KEYS = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_EC2_METADATA_DISABLED", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"];
const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const k of KEYS) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  process.env["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
  process.env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
  process.env["AWS_EC2_METADATA_DISABLED"] = "true";
});
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe("AWS errors a user can hit, each with cause and fix", () => {
  it("GIVEN no credentials anywhere WHEN a real SDK call is made THEN the message says none were found and how to provide them", async () => {
    const err = translateAwsError(await rdsAdapter({ region: "eu-west-1" }).describeDBClusters({}).catch((e: unknown) => e), { service: "rds", method: "describeDBClusters" });
    expect(err.message).toBe("No AWS credentials were found, so RDS DescribeDBClusters could not be called.");
    expect(err.hint).toContain("aws configure");
  });

  it("GIVEN an expired SSO session WHEN a call fails THEN the fix is aws sso login with the profile", () => {
    const sso = Object.assign(new Error("The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile."), { name: "CredentialsProviderError" });
    const err = translateAwsError(sso, { service: "dms", method: "describeReplicationTasks" }, { profile: "prod" });
    expect(err.message).toBe("Your AWS SSO session has expired, so DMS DescribeReplicationTasks could not be called.");
    expect(err.hint).toContain("aws sso login --profile prod");
  });

  it("GIVEN AccessDenied WHEN translated THEN the IAM action is named, from AWS's message when it gives one", () => {
    const denied = new AccessDeniedFault({ message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dms:CreateEndpoint on resource: *", ...meta });
    const err = translateAwsError(denied, { service: "dms", method: "createEndpoint" });
    expect(err.message).toBe("AWS denied DMS CreateEndpoint: your identity lacks the IAM permission dms:CreateEndpoint.");
    const bare = translateAwsError(Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" }), { service: "ec2", method: "authorizeSecurityGroupIngress" });
    expect(bare.message).toContain("the IAM permission ec2:AuthorizeSecurityGroupIngress");
  });

  it("GIVEN throttling the SDK gave up on after 5 attempts WHEN translated THEN it says 4 retries (the first attempt is no retry)", () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { attempts: 5 }, $retryable: { throttling: true } });
    const err = translateAwsError(throttled, { service: "dms", method: "describeReplicationTasks" });
    expect(err.message).toBe("AWS kept throttling DMS DescribeReplicationTasks (ThrottlingException); the SDK retried 4 times with backoff (5 attempts) and gave up.");
    const once = translateAwsError(Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { attempts: 2 } }), { service: "rds", method: "describeDBClusters" });
    expect(once.message).toContain("the SDK retried once with backoff (2 attempts) and gave up.");
    const first = translateAwsError(Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { attempts: 1 } }), { service: "rds", method: "describeDBClusters" });
    expect(first.message).toContain("the SDK gave up after one attempt.");
  });

  it("GIVEN a quota is reached WHEN translated THEN the fix names Service Quotas", () => {
    const err = translateAwsError(new ResourceQuotaExceededFault({ message: "Quota exceeded for replication instances", ...meta }), { service: "dms", method: "createReplicationInstance" });
    expect(err.message).toContain("An AWS limit stopped DMS CreateReplicationInstance (ResourceQuotaExceededFault)");
    expect(err.hint).toContain("Service Quotas");
  });

  it("GIVEN DMS's complaint about dms-vpc-role WHEN translated THEN the fix is the two IAM commands", () => {
    const err = translateAwsError(new AccessDeniedFault({ message: "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly.", ...meta }), { service: "dms", method: "createReplicationSubnetGroup" });
    expect(err.message).toContain("the IAM role dms-vpc-role is missing or not set up");
    expect(err.hint).toContain("aws iam create-role --role-name dms-vpc-role");
  });

  it("GIVEN an identifier already taken WHEN translated THEN it says so and how to choose another", () => {
    for (const taken of [new DBClusterAlreadyExistsFault({ message: "DB Cluster already exists", ...meta }), new ResourceAlreadyExistsFault({ message: "Endpoint already exists", ...meta })]) {
      const err = translateAwsError(taken, { service: "rds", method: "createDBCluster" });
      expect(err.message).toMatch(/^The identifier is already taken/);
      expect(err.hint).toContain("Choose another identifier");
    }
  });

  describe("without a region", () => {
    it("GIVEN no region anywhere WHEN a real SDK call is made THEN it is a usage error naming --region and AWS_REGION", async () => {
      const raw = await rdsAdapter({}).describeDBClusters({}).catch((e: unknown) => e);
      const err = translateAwsError(raw, { service: "rds", method: "describeDBClusters" });
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toBe("No AWS region is set, so RDS DescribeDBClusters cannot be called.");
      expect(err.hint).toContain("--region");
    });
  });
});
