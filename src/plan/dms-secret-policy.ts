/**
 * What DMS needs to read an endpoint's credentials from AWS Secrets Manager, as the DMS user
 * guide documents it ("Using secrets to access AWS Database Migration Service endpoints",
 * docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html; see also
 * docs/dms-notes.md §16):
 * - the endpoint names the secret in `PostgreSQLSettings.SecretsManagerSecretId` and the role
 *   DMS assumes to read it in `SecretsManagerAccessRoleArn`, instead of clear-text
 *   `ServerName`/`Port`/`Username`/`Password` ("You can't specify both");
 * - the secret's JSON holds `username`, `password`, `host` and `port` (and `engine`, `dbname`);
 * - "You can't use master credentials managed by Amazon RDS Aurora. These credentials don't
 *   include host or port information, which AWS DMS needs to establish connections";
 * - the role trusts the regional DMS service principal `dms.<region>.amazonaws.com`
 *   (sts:AssumeRole) and allows `secretsmanager:GetSecretValue` (and `DescribeSecret`) on that
 *   secret, plus `kms:Decrypt` on the key when a customer managed key encrypts it.
 * Pure: the documents the tool creates, and the shape check the tool (and the fakes) apply.
 */

/** The inline policy's name on the role the tool creates. */
export const SECRET_READ_POLICY_NAME = "aurora-migrate-read-endpoint-secret";

/** The service principal DMS assumes a secret-access role as, in `region`. */
export function dmsServicePrincipal(region: string): string {
  return `dms.${region}.amazonaws.com`;
}

/** The region of an ARN (`arn:aws:dms:eu-west-1:…` → `eu-west-1`). */
export function regionOfArn(arn: string): string | undefined {
  const part = arn.split(":")[3];
  return part ? part : undefined;
}

/** The role's trust policy: only DMS in this region may assume it. */
export function secretRoleTrustPolicy(region: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: dmsServicePrincipal(region) }, Action: "sts:AssumeRole" }],
  });
}

/** The role's inline policy: read exactly this secret (and decrypt with its customer key, if any). */
export function secretReadPolicy(secretArn: string, kmsKeyArn?: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArn },
      ...(kmsKeyArn ? [{ Effect: "Allow", Action: "kms:Decrypt", Resource: kmsKeyArn }] : []),
    ],
  });
}

/** A secret DMS can use for a PostgreSQL endpoint. */
export interface DmsSecretValue {
  engine: "postgres";
  host: string;
  port: number;
  username: string;
  password: string;
  dbname?: string;
}

export function dmsSecretString(v: DmsSecretValue): string {
  return JSON.stringify({ engine: v.engine, host: v.host, port: v.port, username: v.username, password: v.password, ...(v.dbname ? { dbname: v.dbname } : {}) });
}

/** The keys DMS needs that `secretString` lacks (empty when DMS can use it). */
export function missingDmsSecretKeys(secretString: string | undefined): string[] {
  let value: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(secretString ?? "");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return ["username", "password", "host", "port"];
    value = parsed as Record<string, unknown>;
  } catch {
    return ["username", "password", "host", "port"];
  }
  const missing: string[] = [];
  for (const k of ["username", "password", "host"]) if (typeof value[k] !== "string" || (k !== "password" && value[k] === "")) missing.push(k);
  const port = typeof value["port"] === "string" ? Number(value["port"]) : value["port"];
  if (typeof port !== "number" || !Number.isInteger(port) || port <= 0) missing.push("port");
  return missing;
}

/** A KMS key ARN a policy can name (an alias or a bare key id cannot be, and the AWS managed key needs none). */
export function customerKeyArn(kmsKeyId: string | undefined): string | undefined {
  return kmsKeyId && /^arn:aws[\w-]*:kms:[^:]+:\d{12}:key\//.test(kmsKeyId) ? kmsKeyId : undefined;
}

/** An IAM role name for the endpoint's secret role: deterministic, at most 64 characters. */
export function secretRoleName(base: string, role: "source" | "target", region: string): string {
  return `${base}-dms-${role}-${region}`.slice(0, 64).replace(/-+$/, "");
}

/** The name of the secret the tool creates for an endpoint (secret names are per region). */
export function endpointSecretName(base: string, role: "source" | "target"): string {
  return `${base}/dms-${role}-endpoint`;
}
