import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices } from "../../adapters/aws/ports.js";
import { UsageError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import type { AuroraClusterOutput } from "../outputs/aws.js";
import { type DmsSecretValue, customerKeyArn, endpointSecretName, missingDmsSecretKeys, secretRoleName } from "../../plan/dms-secret-policy.js";
import { TARGET_PASSWORD_ENV, sourcePasswordForDms, targetLoginPassword } from "./endpoint-passwords.js";
import { ensureEndpointSecret, ensureSecretRole } from "./endpoint-secret.js";
import { RES } from "./resources.js";

export type EndpointRole = "source" | "target";
export type CredentialMode = "secret" | "password";

/** How an endpoint logs in: clear-text fields, or a secret and the role DMS reads it with. */
export interface EndpointCredentials {
  mode: CredentialMode;
  /** Top-level CreateEndpoint fields (password mode). */
  fields: { ServerName?: string; Port?: number; Username?: string; Password?: string };
  /** PostgreSQLSettings entries (secret mode). */
  settings: { SecretsManagerSecretId?: string; SecretsManagerAccessRoleArn?: string };
  /** The role was created in this run: IAM may take a few seconds to let DMS assume it. */
  roleIsNew: boolean;
}

interface Common {
  /** The tool's deterministic name base (defaultBaseName of the database). */
  base: string;
  /** The region of the replication instance: DMS there assumes the role. */
  region: string;
}

export async function credentialMode(ctx: StepContext, role: EndpointRole): Promise<CredentialMode> {
  return ctx.prompter.select({
    id: `dms.${role}.credentials`,
    message: `How DMS logs in to the ${role}`,
    help: "a secret DMS reads through an IAM role only it may assume (recommended), or the endpoint's own password field",
    choices: [
      { value: "secret", name: "A Secrets Manager secret made for DMS (username, password, host, port) and a role only DMS may assume (recommended)" },
      { value: "password", name: "The endpoint's password field: sent to AWS only, never saved by the wizard" },
    ],
    default: "secret",
  });
}

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

function validateUserSecretArn(v: string): string | undefined {
  const t = v.trim();
  if (t === "") return undefined;
  if (!SECRET_ARN.test(t)) return "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), or nothing to let the wizard make one";
  if (/:secret:rds!/.test(t)) return "that is a secret RDS manages (master credentials): it holds no host or port, so DMS cannot use it (DMS user guide); leave this empty to let the wizard make one";
  return undefined;
}

/** The source endpoint's login: a secret of the user's, one the wizard makes, or the password field. */
export async function sourceCredentials(ctx: StepContext, aws: AwsServices, c: Common, at: { host: string; port: number; user: string; database: string }): Promise<EndpointCredentials> {
  const mode = await credentialMode(ctx, "source");
  if (mode === "password") {
    const password = await sourcePasswordForDms(ctx, at);
    return { mode, fields: { ServerName: at.host, Port: at.port, Username: at.user, Password: password }, settings: {}, roleIsNew: false };
  }
  const own = (
    await ctx.prompter.text({
      id: "dms.source.credentialsArn",
      message: "ARN of a Secrets Manager secret of yours with the source's username, password, host and port (empty: the wizard makes one from the password)",
      default: "",
      validate: validateUserSecretArn,
    })
  ).trim();
  let secretArn: string;
  let kmsKeyArn: string | undefined;
  if (own) {
    ({ secretArn, kmsKeyArn } = await checkUserSecret(ctx, aws, own));
  } else {
    const password = await sourcePasswordForDms(ctx, at);
    const value: DmsSecretValue = { engine: "postgres", host: at.host, port: at.port, username: at.user, password, dbname: at.database };
    secretArn = await ensureEndpointSecret(ctx, aws, { key: RES.sourceSecret, name: endpointSecretName(c.base, "source"), value, role: "source" });
  }
  return withRole(ctx, aws, c, "source", secretArn, kmsKeyArn);
}

/**
 * The target endpoint's login: the master user (its password from RDS's own secret, which DMS
 * cannot read itself, or from this run's memory) or a dedicated migration login the user
 * created; in a secret the wizard makes, or in the password field.
 */
export async function targetCredentials(ctx: StepContext, aws: AwsServices, c: Common, aurora: AuroraClusterOutput): Promise<EndpointCredentials> {
  const mode = await credentialMode(ctx, "target");
  const username = await ctx.prompter.text({
    id: "dms.target.username",
    message: "Login DMS uses on Aurora",
    help: `the master user ${aurora.masterUsername} (default), or a migration login you created on Aurora (its password: ${TARGET_PASSWORD_ENV} or asked)`,
    default: aurora.masterUsername,
    validate: (v) => (v.trim() === "" ? "a login name is needed" : undefined),
  });
  const password = username === aurora.masterUsername ? await masterPassword(ctx, aws, aurora) : await targetLoginPassword(ctx, { user: username, host: aurora.writerEndpoint });
  if (mode === "password") return { mode, fields: { ServerName: aurora.writerEndpoint, Port: aurora.port, Username: username, Password: password }, settings: {}, roleIsNew: false };
  const value: DmsSecretValue = { engine: "postgres", host: aurora.writerEndpoint, port: aurora.port, username, password, dbname: aurora.database };
  const secretArn = await ensureEndpointSecret(ctx, aws, { key: RES.targetSecret, name: endpointSecretName(c.base, "target"), value, role: "target" });
  return withRole(ctx, aws, c, "target", secretArn, undefined);
}

async function withRole(ctx: StepContext, aws: AwsServices, c: Common, role: EndpointRole, secretArn: string, kmsKeyArn: string | undefined): Promise<EndpointCredentials> {
  const key = role === "source" ? RES.sourceSecretRole : RES.targetSecretRole;
  const r = await ensureSecretRole(ctx, aws, { key, roleName: secretRoleName(c.base, role, c.region), region: c.region, secretArn, kmsKeyArn, role });
  return { mode: "secret", fields: {}, settings: { SecretsManagerSecretId: secretArn, SecretsManagerAccessRoleArn: r.arn }, roleIsNew: r.createdNow };
}

/**
 * The master password: typed earlier in this run (prompt mode of step 3), else read from the
 * secret RDS keeps it in (GetSecretValue: the tool copies it; DMS cannot use that secret), else
 * AURORA_MIGRATE_TARGET_PASSWORD or asked.
 */
async function masterPassword(ctx: StepContext, aws: AwsServices, aurora: AuroraClusterOutput): Promise<string> {
  const typed = ctx.secrets.get("target.password");
  if (typed !== undefined) return typed;
  if (aurora.masterSecretArn) {
    const out = await aws.secretsmanager.getSecretValue({ SecretId: aurora.masterSecretArn });
    const password = (JSON.parse(out.SecretString ?? "{}") as { password?: unknown }).password;
    if (typeof password !== "string") {
      throw new UsageError(`RDS's secret ${aurora.masterSecretArn} holds no password the wizard can read.`, { hint: `Check it in the Secrets Manager console, or answer dms.target.username with a login of your own and set ${TARGET_PASSWORD_ENV}.` });
    }
    // Known for redaction only: the tool's own connections keep their own way to the password.
    ctx.secrets.set("dms.target.masterPassword", password);
    ctx.reporter.warn(
      `DMS logs in to Aurora as the master user ${aurora.masterUsername} with a copy of the password RDS keeps in ${aurora.masterSecretArn}. ` +
        "RDS rotates that secret (every 7 days by default): if it rotates before the cutover, DMS's copy goes stale. For a long migration, use a migration login of your own (dms.target.username).",
    );
    return password;
  }
  return targetLoginPassword(ctx, { user: aurora.masterUsername, host: aurora.writerEndpoint });
}

/** A secret of the user's: not RDS's own, and in the shape DMS needs when the wizard may read it. */
async function checkUserSecret(ctx: StepContext, aws: AwsServices, arn: string): Promise<{ secretArn: string; kmsKeyArn: string | undefined }> {
  const described = await aws.secretsmanager.describeSecret({ SecretId: arn });
  // Kept: a dry run without access to AWS reads nothing back, which must not be taken for a secret lacking its keys.
  if (ctx.options.dryRun) return { secretArn: arn, kmsKeyArn: undefined };
  if (described.OwningService === "rds") {
    throw new UsageError(`The secret ${arn} is managed by RDS (master credentials): it holds no host or port, so DMS cannot use it.`, {
      hint: 'Leave "dms.source.credentialsArn" empty to let the wizard make a secret DMS can read, or name one holding username, password, host and port.',
    });
  }
  try {
    const missing = missingDmsSecretKeys((await aws.secretsmanager.getSecretValue({ SecretId: arn })).SecretString);
    if (missing.length) {
      throw new UsageError(`The secret ${arn} lacks ${missing.join(", ")}: DMS needs username, password, host and port in it.`, {
        hint: `Add them (aws secretsmanager put-secret-value --secret-id '${arn}' --secret-string '{"username":…,"password":…,"host":…,"port":…}'), or leave "dms.source.credentialsArn" empty to let the wizard make one; then resume.`,
      });
    }
  } catch (err) {
    if (!isAwsError(err, "AccessDeniedException", "AccessDenied")) throw err;
    ctx.reporter.warn(`This run may not read the secret ${arn}; DMS's connection test will check it holds username, password, host and port.`);
  }
  const kms = customerKeyArn(described.KmsKeyId);
  if (described.KmsKeyId && !kms) ctx.reporter.warn(`The secret ${arn} is encrypted with ${described.KmsKeyId}: if that is a customer managed key, let the role DMS uses decrypt with it (kms:Decrypt).`);
  return { secretArn: described.ARN ?? arn, kmsKeyArn: kms };
}
