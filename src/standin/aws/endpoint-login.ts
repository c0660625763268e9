/**
 * How the stand-in DMS logs in to an endpoint's database: with the endpoint's own fields, or,
 * when it names a secret, with the secret's `host`, `port`, `username` and `password`, read
 * through the role it names, as DMS does (DMS user guide, "Using secrets to access AWS DMS
 * endpoints"). A secret DMS could not read, or without host/port (RDS's master secret), fails
 * the connection test with the reason, as on AWS.
 */
import { type RoleView, secretAccessProblem } from "../../plan/iam-policy-check.js";
import { missingDmsSecretKeys } from "../../plan/dms-secret-policy.js";
import type { PgEndpoint } from "../endpoint.js";
import type { EndpointRecord } from "./account.js";
import { awsFault } from "./faults.js";

export interface SecretSource {
  region: string;
  secretValue(id: string | undefined): { arn: string; name: string; text: string; owningService?: string } | undefined;
  roleView(arn: string | undefined): RoleView | undefined;
}

/** DMS's SslMode as libpq's sslmode. */
export function libpqSslMode(dmsSslMode: string): string {
  return dmsSslMode === "none" ? "disable" : dmsSslMode;
}

/**
 * libpq's TLS parameters for the endpoint: its SslMode, and for verify-ca/verify-full the
 * imported certificate's PEM as sslrootcert (DMS checks the server against that CA, and the
 * host name too with verify-full).
 */
export function tlsParams(e: Pick<EndpointRecord, "sslMode" | "certificateArn" | "id">, rootCert: (certificateArn: string) => string): Record<string, string> {
  const sslmode = libpqSslMode(e.sslMode);
  if (sslmode !== "verify-ca" && sslmode !== "verify-full") return { sslmode };
  if (!e.certificateArn) throw awsFault("InvalidParameterCombinationException", `The endpoint ${e.id} has SslMode ${e.sslMode} but no CertificateArn.`);
  return { sslmode, sslrootcert: rootCert(e.certificateArn) };
}

/** The endpoint's secret id and role, when it logs in through a secret. */
export function secretSettings(e: Pick<EndpointRecord, "settings">): { secretId: string; roleArn: string | undefined } | undefined {
  const id = e.settings["SecretsManagerSecretId"];
  const role = e.settings["SecretsManagerAccessRoleArn"];
  return typeof id === "string" && id ? { secretId: id, roleArn: typeof role === "string" ? role : undefined } : undefined;
}

/** Why DMS may not use this secret through this role (CreateEndpoint/ModifyEndpoint refuse it), or undefined. */
export function roleProblem(src: SecretSource, secretId: string, roleArn: string | undefined): string | undefined {
  const arn = src.secretValue(secretId)?.arn ?? secretId;
  return secretAccessProblem({ region: src.region, roleArn, role: src.roleView(roleArn), secretArn: arn });
}

/** Where and as whom DMS connects for the endpoint; an AWS-shaped fault with DMS's reason when it cannot. */
export function endpointLogin(e: EndpointRecord, password: string | undefined, src: SecretSource, rootCert: (certificateArn: string) => string): PgEndpoint {
  const secret = secretSettings(e);
  const params = tlsParams(e, rootCert);
  if (!secret) {
    const location = { host: e.serverName ?? "", port: e.port ?? 5432, database: e.databaseName ?? "", user: e.username ?? "", params };
    return password ? { location, password } : { location };
  }
  const problem = roleProblem(src, secret.secretId, secret.roleArn);
  if (problem) throw awsFault("AccessDeniedFault", problem);
  const v = src.secretValue(secret.secretId);
  if (!v) throw awsFault("ResourceNotFoundFault", `Failed to retrieve secret ${secret.secretId}: Secrets Manager can't find the specified secret.`);
  // Without its password (a stand-in started again), the secret still names where to connect.
  const missing = missingDmsSecretKeys(v.text).filter((k) => k !== "password" || v.owningService === "rds");
  if (missing.length) throw awsFault("InvalidParameterValueException", `The secret ${v.name} does not contain the required keys: ${missing.join(", ")}. DMS cannot use master credentials managed by RDS: they hold no host or port.`);
  const s = JSON.parse(v.text) as { host: string; port: number | string; username: string; password?: string; dbname?: string };
  const location = { host: s.host, port: Number(s.port), database: e.databaseName ?? s.dbname ?? "", user: s.username, params };
  return s.password ? { location, password: s.password } : { location };
}
