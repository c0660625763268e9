/**
 * DMS endpoints and their connection tests, with DMS's checks of a secret login and of a
 * verify-ca/verify-full certificate.
 */
import type { DmsEndpoint, DmsPort } from "../../../src/adapters/aws/ports.js";
import { missingDmsSecretKeys, regionOfArn } from "../../../src/plan/dms-secret-policy.js";
import { secretAccessProblem } from "../../../src/plan/iam-policy-check.js";
import type { FakeAws } from "./fake-aws.js";
import { fault } from "./fake-secrets-iam.js";
import { SETTLE, filterValues } from "./fake-shapes.js";

type EndpointCalls = Pick<DmsPort, "describeEndpoints" | "createEndpoint" | "modifyEndpoint" | "deleteEndpoint" | "testConnection" | "describeConnections">;

export function fakeDmsEndpoints(aws: FakeAws): EndpointCalls {
  return {
    describeEndpoints: (input) =>
      aws.op("dms", "describeEndpoints", input, () => {
        aws.reap(aws.endpoints, "endpoint", (e) => e.EndpointIdentifier, (e) => e.Status === "deleting");
        const ids = filterValues(input.Filters, "endpoint-id");
        const found = [...aws.endpoints.values()].filter((e) => !ids || ids.includes(e.EndpointIdentifier ?? ""));
        if (ids && found.length === 0) throw fault("ResourceNotFoundFault", "Endpoint not found");
        return { Endpoints: found };
      }),
    createEndpoint: (input) =>
      aws.op("dms", "createEndpoint", input, () => {
        const id = (input.EndpointIdentifier ?? "").toLowerCase();
        if (aws.endpoints.has(id)) throw fault("ResourceAlreadyExistsFault", "The endpoint already exists");
        const { Password, Tags: _tags, EndpointIdentifier: _id, ...rest } = input;
        const e: DmsEndpoint = { ...structuredClone(rest), EndpointIdentifier: id, EndpointArn: `arn:aws:dms:${aws.region}:${aws.accountId}:endpoint:${aws.next("EP")}`, Status: "active" };
        checkCredentials(aws, e, Password);
        checkCertificate(aws, e);
        aws.endpoints.set(id, e);
        if (Password !== undefined) aws.endpointPasswords.set(e.EndpointArn ?? "", Password);
        return { Endpoint: { ...e } };
      }),
    modifyEndpoint: (input) =>
      aws.op("dms", "modifyEndpoint", input, () => {
        const e = [...aws.endpoints.values()].find((x) => x.EndpointArn === input.EndpointArn);
        if (!e) throw fault("ResourceNotFoundFault", "Endpoint not found");
        const { Password, EndpointArn: _arn, ExactSettings, PostgreSQLSettings, ...top } = input;
        const next: DmsEndpoint = { ...e, ...structuredClone(top) };
        // ExactSettings replaces the endpoint settings whole; otherwise same-named ones are replaced and new ones added.
        if (PostgreSQLSettings) next.PostgreSQLSettings = ExactSettings ? structuredClone(PostgreSQLSettings) : { ...e.PostgreSQLSettings, ...structuredClone(PostgreSQLSettings) };
        checkCredentials(aws, next, Password ?? aws.endpointPasswords.get(e.EndpointArn ?? ""));
        checkCertificate(aws, next);
        Object.assign(e, next);
        if (Password !== undefined) aws.endpointPasswords.set(e.EndpointArn ?? "", Password);
        return { Endpoint: { ...e } };
      }),
    deleteEndpoint: (input) =>
      aws.op("dms", "deleteEndpoint", input, () => {
        const e = [...aws.endpoints.values()].find((x) => x.EndpointArn === input.EndpointArn);
        if (!e) throw fault("ResourceNotFoundFault", "Endpoint not found");
        if ([...aws.tasks.values()].some((t) => t.SourceEndpointArn === e.EndpointArn || t.TargetEndpointArn === e.EndpointArn)) throw fault("InvalidResourceStateFault", "All tasks associated with the endpoint must be deleted first");
        e.Status = "deleting";
        aws.begin(e);
        return { Endpoint: { ...e } };
      }),
    testConnection: (input) =>
      aws.op("dms", "testConnection", input, () => {
        const endpoint = [...aws.endpoints.values()].find((e) => e.EndpointArn === input.EndpointArn);
        const role = endpoint?.EndpointType === "source" ? "source" : "target";
        const message = (endpoint ? secretFailure(aws, endpoint) : undefined) ?? aws.o.connectionFailure?.[role];
        aws.connections.set(`${input.EndpointArn}|${input.ReplicationInstanceArn}`, { status: "testing", describes: 0, ...(message ? { message } : {}) });
        return { Connection: { EndpointArn: input.EndpointArn, ReplicationInstanceArn: input.ReplicationInstanceArn, Status: "testing" } };
      }),
    describeConnections: (input) =>
      aws.op("dms", "describeConnections", input, () => {
        const ep = filterValues(input.Filters, "endpoint-arn")?.[0];
        const ri = filterValues(input.Filters, "replication-instance-arn")?.[0];
        const c = aws.connections.get(`${ep}|${ri}`);
        if (!c) return { Connections: [] };
        c.describes += 1;
        if (c.describes >= SETTLE) c.status = c.message ? "failed" : "successful";
        return { Connections: [{ EndpointArn: ep, ReplicationInstanceArn: ri, Status: c.status, ...(c.status === "failed" ? { LastFailureMessage: c.message } : {}) }] };
      }),
  };
}

/**
 * What DMS refuses at CreateEndpoint/ModifyEndpoint: a secret together with clear-text
 * credentials ("You can't specify both"), and a secret role DMS cannot assume or that does not
 * allow GetSecretValue on exactly that secret (AccessDeniedFault, "not configured properly").
 */
function checkCredentials(aws: FakeAws, e: DmsEndpoint, password: string | undefined): void {
  const pg = e.PostgreSQLSettings ?? {};
  const secretId = pg.SecretsManagerSecretId;
  if (!secretId) return;
  if (e.ServerName || e.Username || password || pg.Password || pg.ServerName || pg.Username) {
    throw fault("InvalidParameterCombinationException", "You can specify either SecretsManagerSecretId and SecretsManagerAccessRoleArn, or clear-text ServerName, Port, Username and Password, not both.");
  }
  const secret = aws.secretStore.find(secretId);
  const problem = secretAccessProblem({ region: aws.region, roleArn: pg.SecretsManagerAccessRoleArn, role: aws.roleStore.view(pg.SecretsManagerAccessRoleArn), secretArn: secret?.ARN ?? secretId });
  if (problem) throw fault("AccessDeniedFault", problem);
}

/** DMS checks a server's certificate (verify-ca, verify-full) against an imported CA certificate: it must be named, and exist. */
function checkCertificate(aws: FakeAws, e: DmsEndpoint): void {
  if (e.SslMode !== "verify-ca" && e.SslMode !== "verify-full") return;
  if (!e.CertificateArn) throw fault("InvalidParameterCombinationException", `SslMode ${e.SslMode} needs a CertificateArn (ImportCertificate).`);
  if (!aws.certificateStore.byArn(e.CertificateArn)) throw fault("ResourceNotFoundFault", `Certificate ${e.CertificateArn} not found`);
}

/** DMS's connection-test failure for a secret it cannot use (gone, or without host/port/username/password). */
function secretFailure(aws: FakeAws, e: DmsEndpoint): string | undefined {
  const id = e.PostgreSQLSettings?.SecretsManagerSecretId;
  if (!id) return undefined;
  const secret = aws.secretStore.find(id);
  if (!secret || secret.DeletedDate) return `Failed to retrieve secret ${id}: Secrets Manager can't find the specified secret.`;
  if (regionOfArn(secret.ARN) !== aws.region) return `Failed to retrieve secret ${id}: it is in another region.`;
  const missing = missingDmsSecretKeys(secret.SecretString);
  return missing.length ? `The secret ${secret.Name} does not contain the required keys: ${missing.join(", ")}.` : undefined;
}

