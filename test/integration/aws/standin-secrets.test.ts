import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accountPathFor, createStandinAws, type StandinAws } from "../../../src/standin/aws/index.js";
import { secretReadPolicy, secretRoleTrustPolicy } from "../../../src/plan/dms-secret-policy.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";

let db: TestDatabase;
let dir: string;
let statePath: string;
let aws: StandinAws;
beforeAll(async () => {
  db = await freshDatabase("source", "sisec");
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "standin-sec-"));
  statePath = join(dir, "m.state.json");
  aws = await createStandinAws({ statePath, auroraServer: { host: "127.0.0.1", port: db.port, user: "postgres", sslmode: "disable" }, settleMs: 0 });
});
afterEach(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

async function instanceArn(): Promise<string> {
  return (await aws.dms.createReplicationInstance({ ReplicationInstanceIdentifier: "ri", ReplicationInstanceClass: "dms.t3.medium" })).ReplicationInstance!.ReplicationInstanceArn!;
}

async function roleFor(name: string, secretArn: string): Promise<string> {
  const arn = (await aws.iam.createRole({ RoleName: name, AssumeRolePolicyDocument: secretRoleTrustPolicy("local-1") })).Role!.Arn!;
  await aws.iam.putRolePolicy({ RoleName: name, PolicyName: "read", PolicyDocument: secretReadPolicy(secretArn) });
  return arn;
}

async function tested(endpointArn: string, ri: string): Promise<{ Status?: string | undefined; LastFailureMessage?: string | undefined }> {
  await aws.dms.testConnection({ EndpointArn: endpointArn, ReplicationInstanceArn: ri });
  for (let i = 0; i < 200; i += 1) {
    const c = (await aws.dms.describeConnections({ Filters: [{ Name: "endpoint-arn", Values: [endpointArn] }] })).Connections?.[0];
    if (c?.Status !== "testing") return c ?? {};
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the connection test never ended");
}

describe("the stand-in's Secrets Manager, IAM and DMS endpoints", () => {
  it("GIVEN RDS's own master secret and a role allowed to read it WHEN an endpoint uses it THEN DMS's connection test fails: the secret has no host or port", async () => {
    await aws.rds.createDBCluster({ DBClusterIdentifier: "shop", Engine: "aurora-postgresql", MasterUsername: "postgres", ManageMasterUserPassword: true });
    const managedArn = (await aws.rds.describeDBClusters({ DBClusterIdentifier: "shop" })).DBClusters![0]!.MasterUserSecret!.SecretArn!;
    expect((await aws.secretsmanager.describeSecret({ SecretId: managedArn })).OwningService).toBe("rds");
    const ri = await instanceArn();
    const e = await aws.dms.createEndpoint({ EndpointIdentifier: "tgt", EndpointType: "target", EngineName: "aurora-postgresql", DatabaseName: db.name, PostgreSQLSettings: { SecretsManagerSecretId: managedArn, SecretsManagerAccessRoleArn: await roleFor("reads-rds", managedArn) } });
    const c = await tested(e.Endpoint!.EndpointArn!, ri);
    expect(c.Status).toBe("failed");
    expect(c.LastFailureMessage).toContain("does not contain the required keys: host, port");
  });

  it("GIVEN a secret in DMS's shape WHEN the role's policy names another secret THEN CreateEndpoint is refused; with the right role DMS logs in with the secret's login, and the account file never holds its password, even across a restart", async () => {
    const text = JSON.stringify({ engine: "postgres", host: "127.0.0.1", port: db.port, username: "postgres", password: "Standin-Secret-pw1", dbname: db.name });
    const secret = await aws.secretsmanager.createSecret({ Name: "shop/dms-source-endpoint", SecretString: text });
    const other = await aws.secretsmanager.createSecret({ Name: "other", SecretString: "{}" });
    const settings = (role: string) => ({ EndpointIdentifier: "src", EndpointType: "source" as const, EngineName: "postgres", DatabaseName: db.name, SslMode: "none" as const, PostgreSQLSettings: { SecretsManagerSecretId: secret.ARN!, SecretsManagerAccessRoleArn: role } });
    await expect(aws.dms.createEndpoint(settings(await roleFor("reads-other", other.ARN!)))).rejects.toMatchObject({ name: "AccessDeniedFault", message: expect.stringContaining("not configured properly") as unknown });
    await expect(aws.dms.createEndpoint({ ...settings(await roleFor("reads-it", secret.ARN!)), Username: "postgres", ServerName: "127.0.0.1" })).rejects.toMatchObject({ name: "InvalidParameterCombinationException" });

    const e = await aws.dms.createEndpoint(settings((await aws.iam.getRole({ RoleName: "reads-it" })).Role!.Arn!));
    expect(await tested(e.Endpoint!.EndpointArn!, await instanceArn())).toMatchObject({ Status: "successful" });
    expect(readFileSync(accountPathFor(statePath), "utf8")).not.toContain("Standin-Secret-pw1");

    await aws.close();
    aws = await createStandinAws({ statePath, settleMs: 0 });
    const after = JSON.parse((await aws.secretsmanager.getSecretValue({ SecretId: secret.ARN! })).SecretString!) as Record<string, unknown>;
    expect(after).toEqual({ engine: "postgres", host: "127.0.0.1", port: db.port, username: "postgres", dbname: db.name });
  });
});
