import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices } from "../../adapters/aws/ports.js";
import { RESOURCE_KIND } from "../cleanup/kinds.js";
import { OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { type DmsSecretValue, SECRET_READ_POLICY_NAME, dmsSecretString, secretReadPolicy, secretRoleTrustPolicy } from "../../plan/dms-secret-policy.js";
import { trustsDms } from "../../plan/iam-policy-check.js";
import { goneError, recordResource, recorded } from "./resources.js";

const TAGS = [{ Key: "created-by", Value: "aurora-migrate" }];
const SECRET_GONE = ["ResourceNotFoundException"];

/**
 * The tool's own secret for an endpoint, in the shape DMS documents: the recorded one, else the
 * one with its deterministic name (a create whose state write was lost), else a new one. Its
 * value is brought up to date when it differs (a password changed since). Recorded for cleanup.
 */
export async function ensureEndpointSecret(ctx: StepContext, aws: AwsServices, o: { key: string; name: string; value: DmsSecretValue; role: "source" | "target" }): Promise<string> {
  const text = dmsSecretString(o.value);
  const rec = recorded(ctx, o.key);
  let arn: string | undefined;
  let createdNow = false;
  if (rec) {
    arn = (await describe(aws, rec.arn ?? rec.id))?.ARN;
    if (!arn) throw goneError("Secrets Manager secret", rec.id, o.key, ctx.options.statePath);
  } else {
    try {
      arn = (
        await aws.secretsmanager.createSecret({
          Name: o.name,
          Description: `Credentials AWS DMS uses for the ${o.role} endpoint of an aurora-migrate migration (deleted by aurora-migrate cleanup)`,
          SecretString: text,
          Tags: TAGS,
        })
      ).ARN;
      createdNow = true;
      ctx.reporter.success(`Created the secret ${o.name} for the DMS ${o.role} endpoint (username, password, host, port: the shape DMS reads).`);
    } catch (err) {
      if (!isAwsError(err, "ResourceExistsException")) throw err;
      const found = await describe(aws, o.name);
      if (found?.DeletedDate) {
        throw new OperationError(`The secret ${o.name} is scheduled for deletion, so it cannot be used again yet.`, {
          hint: `Restore it (aws secretsmanager restore-secret --secret-id '${o.name}') or delete it for good (aws secretsmanager delete-secret --secret-id '${o.name}' --force-delete-without-recovery), then resume.`,
        });
      }
      arn = found?.ARN;
      ctx.reporter.info(`Found the secret ${o.name} from an earlier run; using it.`);
    }
  }
  if (!arn) throw new OperationError(`Secrets Manager gave no ARN for the secret ${o.name}.`, { hint: "Check it in the Secrets Manager console, then resume." });
  await recordResource(ctx, o.key, { kind: RESOURCE_KIND.secret, id: o.name, arn, createdByUs: true, endpointType: o.role });
  if (!createdNow) {
    const current = (await aws.secretsmanager.getSecretValue({ SecretId: arn })).SecretString;
    if (current !== text) {
      await aws.secretsmanager.putSecretValue({ SecretId: arn, SecretString: text });
      ctx.reporter.info(`Updated the secret ${o.name} to the current ${o.role} login.`);
    }
  }
  return arn;
}

async function describe(aws: AwsServices, id: string): Promise<{ ARN?: string | undefined; DeletedDate?: Date | undefined } | undefined> {
  try {
    return await aws.secretsmanager.describeSecret({ SecretId: id });
  } catch (err) {
    if (isAwsError(err, ...SECRET_GONE)) return undefined;
    throw err;
  }
}

/**
 * The IAM role DMS assumes to read one endpoint's secret: trusted by `dms.<region>.amazonaws.com`
 * only, with an inline policy allowing GetSecretValue/DescribeSecret on exactly that secret (and
 * kms:Decrypt on its customer key, if any). Created once (or found by its deterministic name),
 * its policy set on every run so it always names the secret in use. Recorded for cleanup.
 * Returns the role's ARN and whether it was created now (IAM takes a moment to reach DMS).
 */
export async function ensureSecretRole(
  ctx: StepContext,
  aws: AwsServices,
  o: { key: string; roleName: string; region: string; secretArn: string; kmsKeyArn?: string | undefined; role: "source" | "target" },
): Promise<{ arn: string; createdNow: boolean }> {
  const rec = recorded(ctx, o.key);
  const trust = secretRoleTrustPolicy(o.region);
  const policy = secretReadPolicy(o.secretArn, o.kmsKeyArn);
  let arn: string | undefined;
  let createdNow = false;
  if (rec) {
    arn = (await getRole(aws, rec.id))?.Arn;
    if (!arn) throw goneError("IAM role", rec.id, o.key, ctx.options.statePath);
  } else {
    try {
      arn = (
        await aws.iam.createRole({
          RoleName: o.roleName,
          AssumeRolePolicyDocument: trust,
          Description: `Lets AWS DMS read the ${o.role} endpoint's secret (aurora-migrate; deleted by its cleanup)`,
          Tags: TAGS,
        })
      ).Role?.Arn;
      createdNow = true;
      ctx.reporter.success(`Created the IAM role ${o.roleName}, which only DMS may assume, to read that secret.`);
    } catch (err) {
      if (!isAwsError(err, "EntityAlreadyExistsException", "EntityAlreadyExists")) throw err;
      const found = await getRole(aws, o.roleName);
      if (!trustsDms(found?.AssumeRolePolicyDocument, o.region)) {
        throw new OperationError(`An IAM role named ${o.roleName} already exists and DMS may not assume it.`, {
          hint: "It is not one the wizard made. Rename or delete it (IAM console), then resume.",
        });
      }
      arn = found?.Arn;
      ctx.reporter.info(`Found the IAM role ${o.roleName} from an earlier run; using it.`);
    }
  }
  if (!arn) throw new OperationError(`IAM gave no ARN for the role ${o.roleName}.`, { hint: "Check it in the IAM console, then resume." });
  await recordResource(ctx, o.key, { kind: RESOURCE_KIND.iamRole, id: o.roleName, arn, createdByUs: true, policyName: SECRET_READ_POLICY_NAME, endpointType: o.role });
  await aws.iam.putRolePolicy({ RoleName: o.roleName, PolicyName: SECRET_READ_POLICY_NAME, PolicyDocument: policy });
  return { arn, createdNow };
}

async function getRole(aws: AwsServices, name: string): Promise<{ Arn?: string | undefined; AssumeRolePolicyDocument?: string | undefined } | undefined> {
  try {
    return (await aws.iam.getRole({ RoleName: name })).Role;
  } catch (err) {
    if (isAwsError(err, "NoSuchEntityException", "NoSuchEntity")) return undefined;
    throw err;
  }
}
