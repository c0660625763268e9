import { X509Certificate } from "node:crypto";
import { isPlanValue } from "../../adapters/aws/dry-run.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { connectPg, isUnreachable } from "../../adapters/postgres/connect.js";
import { quoteIdent } from "../../plan/sql-text.js";
import { type PgLocation, describeLocation, formatPgUrl, parsePgUrl } from "../../adapters/postgres/url.js";
import { AppError, OperationError, errorMessage } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { openDatabase } from "../connections.js";
import { failingSpinner } from "../../ui/reporter.js";

/** Question ids (and --config keys) of how the tool reaches Aurora. */
export const TARGET_URL = "target.url";
export const CA_BUNDLE = "aurora.caBundle";
export const CLIENT_CIDR = "aurora.clientCidr";

/** How the tool reaches Aurora, answered before anything is created. */
export interface TargetAccess {
  /** Absolute path of the RDS CA bundle (PEM) the user named; its content is never recorded. */
  caBundle?: string;
  /** The user's `target.url` (a tunnel, say), without its password. */
  override?: PgLocation;
}

function validateCaBundle(value: string): string | undefined {
  if (value.trim() === "") return undefined;
  let text: string;
  try {
    text = readFileSync(resolve(value.trim()), "utf8");
  } catch (err) {
    return `cannot read ${value.trim()}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`;
  }
  try {
    new X509Certificate(text);
  } catch {
    return `${value.trim()} holds no PEM certificate (expected the RDS CA bundle, e.g. eu-west-1-bundle.pem from https://truststore.pki.rds.amazonaws.com)`;
  }
  return undefined;
}

function validateTargetUrl(value: string): string | undefined {
  if (value.trim() === "") return undefined;
  try {
    parsePgUrl(value.trim());
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** Asks for the CA bundle and the optional `target.url`; a password in that URL is kept in memory only. */
export async function askTargetAccess(ctx: StepContext): Promise<TargetAccess> {
  const caBundle = (
    await ctx.prompter.text({
      id: CA_BUNDLE,
      message: "RDS CA bundle file, to verify Aurora's certificate (leave empty to encrypt without verifying)",
      help: "the PEM bundle of the region, e.g. eu-west-1-bundle.pem from https://truststore.pki.rds.amazonaws.com; also --ca-bundle",
      default: "",
      validate: validateCaBundle,
      normalize: (v) => (v.trim() === "" ? "" : resolve(v.trim())),
    })
  ).trim();
  const typed = (
    await ctx.prompter.text({
      id: TARGET_URL,
      message: "URL this tool connects to Aurora through, e.g. a tunnel (leave empty to connect to the cluster's endpoint)",
      help: "postgres://user@localhost:15432/dbname?sslmode=verify-ca&sslrootcert=… for an SSH or SSM tunnel; empty: the writer endpoint",
      default: "",
      validate: validateTargetUrl,
      normalize: (v) => {
        if (v.trim() === "") return "";
        const { location, password } = parsePgUrl(v.trim());
        if (password !== undefined) ctx.secrets.set("target.password", password);
        return formatPgUrl(location);
      },
    })
  ).trim();
  if (typed === "") delete ctx.state.answers[TARGET_URL];
  const override = typed === "" ? undefined : parsePgUrl(typed).location;
  return { ...(caBundle ? { caBundle } : {}), ...(override ? { override } : {}) };
}

/**
 * Where the tool connects: the user's `target.url` as given (with the CA bundle as its
 * sslrootcert when it names none), else the writer endpoint, verified against the CA bundle
 * (verify-full) when there is one, else encrypted (require).
 */
export function targetLocation(access: TargetAccess, endpoint: { host: string; port: number; database: string; user: string }): PgLocation {
  if (access.override) {
    const params = { ...access.override.params };
    if (access.caBundle && !params["sslrootcert"]) params["sslrootcert"] = access.caBundle;
    return { ...access.override, params };
  }
  return { ...endpoint, params: access.caBundle ? { sslmode: "verify-full", sslrootcert: access.caBundle } : { sslmode: "require" } };
}

/** What the reachability message needs to name the ways forward. */
export interface ReachContext {
  target: PgLocation;
  via: "endpoint" | "target.url";
  vpcId: string;
  securityGroupId: string;
  port: number;
  /** The writer instance the wizard created (undefined for a cluster the user chose). */
  createdWriterId?: string;
  publiclyAccessible: boolean;
  masterSecretArn?: string;
}

/**
 * Connects to Aurora from where the tool runs (TCP, TLS, login) with a short timeout, before
 * anything for DMS is created: steps 7, 9 and 12 need this connection. A network failure
 * stops the wizard with the three ways forward and their config keys.
 */
export async function checkReachable(ctx: StepContext, r: ReachContext): Promise<void> {
  const where = describeLocation(r.target);
  // A cluster a dry run only planned (its address or its new security group a plan value) cannot be reached yet.
  if (isPlanValue(r.target.host) || isPlanValue(r.securityGroupId)) {
    ctx.reporter.info(`[dry-run] would connect to Aurora at ${where} from this machine (TCP, TLS, login) before creating anything for DMS.`);
    return;
  }
  const spinner = ctx.reporter.spinner(`Connecting to Aurora at ${where} from this machine (TCP, TLS, login)`);
  await failingSpinner(spinner, async () => {
    const client = await openDatabase(ctx, "target", { connectTimeoutMs: 10_000 }).catch(async (err: unknown) => {
      if (!(missingDatabase(err) && r.createdWriterId && r.via === "endpoint")) throw err;
      await createDatabase(ctx, r.target);
      return openDatabase(ctx, "target", { connectTimeoutMs: 10_000 });
    });
    try {
      const { rows } = await client.query<{ tls: boolean | null }>("SELECT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls");
      spinner.succeed(`This machine reaches Aurora at ${where}${rows[0]?.tls ? " over TLS" : " (not encrypted)"}${r.target.params["sslmode"]?.startsWith("verify") ? `, certificate verified (${r.target.params["sslmode"]})` : ""}.`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }).catch((err: unknown) => {
    throw explainUnreachable(err, r);
  });
}

function missingDatabase(err: unknown): boolean {
  const inner = err instanceof AppError && err.cause !== undefined ? err.cause : err;
  return (inner as { code?: string }).code === "3D000";
}

/**
 * RDS creates the initial database only for names of letters, digits and underscores; on a
 * cluster the wizard created, a source database named otherwise is created here, as the master user.
 */
async function createDatabase(ctx: StepContext, target: PgLocation): Promise<void> {
  const admin = await connectPg({ ...target, database: "postgres" }, ctx.secrets.get("target.password"), { connectTimeoutMs: 10_000 });
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(target.database)}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  ctx.reporter.success(`Created the database ${quoteIdent(target.database)} on the new cluster (RDS creates only names of letters, digits and underscores).`);
}

function explainUnreachable(err: unknown, r: ReachContext): unknown {
  const nothingYet = "Nothing for DMS was created yet; the cluster is kept and checked again on resume.";
  if (!isUnreachable(err)) {
    if (!(err instanceof AppError)) return err;
    if (missingDatabase(err) && r.via === "endpoint") {
      return Object.assign(err, { hint: `The migration loads into a database named as the source's. Create it on the cluster (CREATE DATABASE ${quoteIdent(r.target.database)};) as its master user, then resume. ${nothingYet}` });
    }
    const secret = r.masterSecretArn && /password/i.test(`${err.message} ${err.hint ?? ""}`) ? ` The master password is in Secrets Manager: ${r.masterSecretArn} (aws secretsmanager get-secret-value --secret-id ${r.masterSecretArn}); give it in PGPASSWORD.` : "";
    return Object.assign(err, { hint: `${err.hint ?? ""}${secret} ${nothingYet}`.trim() });
  }
  const reason = err instanceof Error ? err.message.replace(/^Cannot connect to \S+: /, "") : String(err);
  const address = `${r.target.host}:${r.target.port}`;
  const openPort = r.createdWriterId
    ? `"${CLIENT_CIDR}": "<this machine's public address>/32" in the --config file (prefix /8 or narrower; the wizard adds the rule to ${r.securityGroupId})` +
      (r.publiclyAccessible ? "" : `; from outside the VPC the writer also needs a public address: aws rds modify-db-instance --db-instance-identifier ${r.createdWriterId} --publicly-accessible --apply-immediately`)
    : `an inbound rule for TCP ${r.port} from this machine's address (prefix /8 or narrower) on the cluster's security group ${r.securityGroupId}`;
  const tunnelExample = formatPgUrl({ host: "localhost", port: 15432, database: r.target.database, user: r.target.user, params: { sslmode: "require" } });
  return new OperationError(
    `This machine cannot reach Aurora at ${address}${r.via === "target.url" ? ` (the ${TARGET_URL} given)` : ""}: ${reason} Steps 7, 9 and 12 (schema load, restore, cutover) connect to it from here, so the wizard stops before creating anything for DMS.`,
    {
      cause: err,
      details: [
        `1. Run the tool inside the VPC ${r.vpcId}: on an EC2 instance there, or in an AWS CloudShell VPC environment in it (with the state file).`,
        `2. Open the port to this machine: ${openPort}.`,
        `3. Use a tunnel (SSH through a bastion, or SSM port forwarding to ${address}) and point "${TARGET_URL}" at it in the --config file, e.g. "${tunnelExample}"; every later step connects through it.`,
      ],
      hint: `Pick one of the three. ${nothingYet}`,
    },
  );
}
