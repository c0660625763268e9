import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cleanupDepsFor } from "../../../src/migration/cleanup/aws-deps.js";
import { runWizard } from "../../../src/commands/wizard.js";
import type { AppError } from "../../../src/core/errors.js";
import type { GlobalOptions } from "../../../src/migration/context.js";
import { readState, writeStateAtomic } from "../../../src/state/store.js";
import { RES } from "../../../src/migration/aws/resources.js";
import { dmsEndpointsStep } from "../../../src/steps/dms-endpoints.js";
import { MemoryReporter } from "../../../src/ui/reporter.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { AWS_STEPS_TO_FULL_LOAD, runUntil } from "../../support/aws/flow.js";
import { FakeClock, harness, sourceState } from "../../support/aws/harness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "creds");
});
afterAll(async () => {
  await db.drop();
});
const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of ["AURORA_MIGRATE_SOURCE_PASSWORD", "AURORA_MIGRATE_TARGET_PASSWORD", "PGPASSWORD"]) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

function setup(fake: FakeAws, answers: Record<string, string | boolean> = {}, secrets: Record<string, string> = {}) {
  return harness(fake, sourceState(db.url, db.name), { answers, secrets });
}

const statement = (doc: string) => (JSON.parse(doc) as { Statement: Record<string, unknown>[] }).Statement;

describe("step 5: credentials DMS can use", () => {
  it("GIVEN the defaults WHEN the endpoints are created THEN the target logs in through a secret in DMS's documented shape holding the master password from RDS's secret, read with a role only DMS in the region may assume and allowed exactly that secret; RDS's own secret is never given to DMS", async () => {
    const fake = new FakeAws();
    const h = setup(fake);
    await runUntil(h, "dms-endpoints");
    await dmsEndpointsStep.run(h.ctx);

    const target = fake.callsTo("createEndpoint").map((c) => c.input).find((i) => i["EndpointType"] === "target") ?? {};
    const pg = target["PostgreSQLSettings"] as Record<string, string>;
    const secret = fake.secretStore.find(pg["SecretsManagerSecretId"]);
    expect(secret?.Name).toBe(`aurora-migrate-${db.name.replace(/_/g, "-")}/dms-target-endpoint`);
    const cluster = [...fake.clusters.values()][0]!;
    expect(JSON.parse(secret?.SecretString ?? "{}")).toEqual({ engine: "postgres", host: cluster.Endpoint, port: 5432, username: "postgres", password: "Rds-Generated-pw1", dbname: db.name });
    expect(target).not.toHaveProperty("Password");
    expect(JSON.stringify(fake.callsTo("createEndpoint"))).not.toContain("rds!cluster");

    const role = [...fake.roleStore.created.values()].find((r) => r.Arn === pg["SecretsManagerAccessRoleArn"])!;
    expect(statement(role.AssumeRolePolicyDocument)).toEqual([{ Effect: "Allow", Principal: { Service: "dms.eu-west-1.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect([...role.policies.values()].flatMap(statement)).toEqual([{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secret?.ARN }]);
    // DMS reads exactly that login.
    expect(fake.dmsSees(target["EndpointIdentifier"] as string)).toMatchObject({ host: cluster.Endpoint, port: 5432, username: "postgres", password: "Rds-Generated-pw1", database: db.name });
    expect(h.state.resources[RES.targetSecret]).toMatchObject({ kind: "secretsmanager-secret", arn: secret?.ARN, createdByUs: true });
    expect(h.state.resources[RES.targetSecretRole]).toMatchObject({ kind: "iam-role", arn: role.Arn, createdByUs: true });
    expect(JSON.stringify(h.saved) + JSON.stringify(h.state) + h.reporter.text).not.toContain("Rds-Generated-pw1");
    expect(h.reporter.text).toContain("RDS rotates that secret");
  });

  it("GIVEN the RDS-managed master secret WHEN it is named as the source's secret THEN the wizard refuses it, and the fake DMS, like DMS, fails a connection test of an endpoint that uses it (no host or port)", async () => {
    const fake = new FakeAws();
    const h = setup(fake, { "dms.source.credentialsArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b2c-XyZ123" });
    await runUntil(h, "dms-endpoints");
    const err = (await dmsEndpointsStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("RDS manages");
    expect(err.message).toContain("no host or port, so DMS cannot use it");

    // Straight at the fake: a role that may read RDS's secret, and an endpoint using it.
    const managed = [...fake.secretStore.byArn.values()].find((s) => s.OwningService === "rds")!;
    const roleArn = (await fake.iam.createRole({ RoleName: "by-hand", AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "dms.eu-west-1.amazonaws.com" }, Action: "sts:AssumeRole" }] }) })).Role!.Arn!;
    await fake.iam.putRolePolicy({ RoleName: "by-hand", PolicyName: "p", PolicyDocument: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: managed.ARN }] }) });
    const e = (await fake.dms.createEndpoint({ EndpointIdentifier: "by-hand", EndpointType: "target", EngineName: "aurora-postgresql", PostgreSQLSettings: { SecretsManagerSecretId: managed.ARN, SecretsManagerAccessRoleArn: roleArn } })).Endpoint!;
    const instanceArn = [...fake.replicationInstances.values()][0]!.ReplicationInstanceArn!;
    await fake.dms.testConnection({ EndpointArn: e.EndpointArn, ReplicationInstanceArn: instanceArn });
    let status = "";
    let message = "";
    for (let i = 0; i < 3; i += 1) {
      const c = (await fake.dms.describeConnections({ Filters: [{ Name: "endpoint-arn", Values: [e.EndpointArn!] }, { Name: "replication-instance-arn", Values: [instanceArn] }] })).Connections?.[0];
      status = c?.Status ?? "";
      message = c?.LastFailureMessage ?? "";
    }
    expect(status).toBe("failed");
    expect(message).toContain("host, port");
  });

  it("GIVEN a role whose policy allows another secret, or that DMS may not assume WHEN an endpoint names it THEN the fake refuses the endpoint as DMS does", async () => {
    const fake = new FakeAws();
    const trust = (service: string) => JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
    const other = fake.secretStore.add("other", "{}");
    for (const [name, service, resource] of [
      ["wrong-secret", "dms.eu-west-1.amazonaws.com", other.ARN],
      ["wrong-principal", "ec2.amazonaws.com", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:source-db-AbCdEf"],
    ] as const) {
      const arn = (await fake.iam.createRole({ RoleName: name, AssumeRolePolicyDocument: trust(service) })).Role!.Arn!;
      await fake.iam.putRolePolicy({ RoleName: name, PolicyName: "p", PolicyDocument: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: resource }] }) });
      const err = (await fake.dms
        .createEndpoint({ EndpointIdentifier: name, EndpointType: "source", EngineName: "postgres", PostgreSQLSettings: { SecretsManagerSecretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:source-db-AbCdEf", SecretsManagerAccessRoleArn: arn } })
        .catch((e: unknown) => e)) as Error;
      expect(err.name).toBe("AccessDeniedFault");
      expect(err.message).toContain("is not configured properly");
    }
  });

  it("GIVEN endpoints created WHEN an answer changes and step 5 runs again THEN only the changed settings go to ModifyEndpoint, both are tested again, and DMS sees the new settings", async () => {
    const fake = new FakeAws();
    const h = setup(fake);
    await runUntil(h, "dms-endpoints");
    await dmsEndpointsStep.run(h.ctx);
    const tests = fake.callsTo("testConnection").length;
    expect(fake.callsTo("modifyEndpoint")).toHaveLength(0);

    // The source's SSL turned off, and the target switched to the endpoint's password field.
    h.state.answers["dms.source.sslMode"] = "none";
    h.state.answers["dms.target.credentials"] = "password";
    await dmsEndpointsStep.run(h.ctx);

    const modified = fake.callsTo("modifyEndpoint").map((c) => c.input);
    expect(fake.callsTo("createEndpoint")).toHaveLength(2);
    const [source, target] = [...fake.endpoints.values()];
    expect(modified).toEqual([
      { EndpointArn: source!.EndpointArn, SslMode: "none" },
      {
        EndpointArn: target!.EndpointArn,
        ServerName: target!.ServerName,
        Port: 5432,
        Username: "postgres",
        PostgreSQLSettings: { AfterConnectScript: "SET session_replication_role = replica", MapBooleanAsBoolean: true },
        ExactSettings: true,
        Password: "Rds-Generated-pw1",
      },
    ]);
    expect(fake.callsTo("testConnection").length).toBe(tests + 2);
    expect(fake.dmsSees(source!.EndpointIdentifier!)).toMatchObject({ sslMode: "none", username: "dms_user" });
    expect(fake.dmsSees(target!.EndpointIdentifier!)).toMatchObject({ username: "postgres", password: "Rds-Generated-pw1" });
    expect(target!.PostgreSQLSettings).not.toHaveProperty("SecretsManagerSecretId");
    expect(h.state.steps).toBeDefined();

    // Nothing changed since: no ModifyEndpoint at all.
    await dmsEndpointsStep.run(h.ctx);
    expect(fake.callsTo("modifyEndpoint")).toHaveLength(2);
  });
});

describe("an unattended resume after a crash before step 5", () => {
  /** Steps 3 and 4 done in a real state file, with a --config that names no source secret. */
  async function crashedBeforeStep5(fake: FakeAws): Promise<GlobalOptions> {
    const dir = mkdtempSync(join(tmpdir(), "am-creds-"));
    const statePath = join(dir, "m.state.json");
    const configPath = join(dir, "answers.json");
    const state = sourceState(db.url, db.name);
    state.steps["source-connection"] = { status: "done", attempts: 1, findings: [] };
    state.steps["source-preflight"] = { status: "done", attempts: 1, findings: [] };
    const h = harness(fake, state, { answers: { "dms.source.credentials": "secret", "dms.source.credentialsArn": "" } });
    await runUntil(h, "dms-endpoints");
    state.steps["aurora-cluster"] = { status: "done", attempts: 1, findings: [] };
    state.steps["replication-instance"] = { status: "done", attempts: 1, findings: [] };
    delete state.answers["dms.source.credentials"];
    delete state.answers["dms.source.credentialsArn"];
    await writeStateAtomic(statePath, state);
    writeFileSync(configPath, JSON.stringify({}));
    return { statePath, configPath, yes: true, json: false, dryRun: false, verbose: false, color: false };
  }
  const steps = AWS_STEPS_TO_FULL_LOAD.filter((s) => ["aurora-cluster", "replication-instance", "dms-endpoints"].includes(s.id));
  const resume = (options: GlobalOptions, fake: FakeAws) =>
    runWizard(options, "resume", { reporter: new MemoryReporter(), signal: new AbortController().signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) }, steps).catch((e: unknown) => e);

  it("GIVEN no source password anywhere WHEN `resume --yes` reaches step 5 THEN it stops naming AURORA_MIGRATE_SOURCE_PASSWORD and dms.source.credentialsArn", async () => {
    delete process.env["PGPASSWORD"];
    const fake = new FakeAws();
    const options = await crashedBeforeStep5(fake);
    const err = (await resume(options, fake)) as AppError;
    expect(err.message).toContain("no password was given and there is no terminal to ask");
    expect(err.hint).toContain("AURORA_MIGRATE_SOURCE_PASSWORD");
    expect(err.hint).toContain('"dms.source.credentialsArn"');
  });

  it("GIVEN AURORA_MIGRATE_SOURCE_PASSWORD WHEN `resume --yes` runs THEN step 5 finishes, DMS reads that password from the wizard's source secret, and the state never holds it", async () => {
    process.env["AURORA_MIGRATE_SOURCE_PASSWORD"] = "Env-Source-pw1";
    const fake = new FakeAws();
    const options = await crashedBeforeStep5(fake);
    expect(await resume(options, fake)).toBeUndefined();
    const state = await readState(options.statePath);
    expect(state.steps["dms-endpoints"]?.status).toBe("done");
    const source = [...fake.endpoints.values()].find((e) => e.EndpointType === "source")!;
    expect(fake.dmsSees(source.EndpointIdentifier!)).toMatchObject({ host: "127.0.0.1", port: db.port, username: "postgres", password: "Env-Source-pw1", database: db.name });
    expect(readFileSync(options.statePath, "utf8")).not.toContain("Env-Source-pw1");
  });
});

describe("cleanup of the credentials", () => {
  it("GIVEN the wizard's secrets and roles WHEN cleanup deletes them THEN the secrets are gone at once and the roles with their policies, and a second pass finds them already gone", async () => {
    const fake = new FakeAws();
    const h = setup(fake, { "dms.source.credentialsArn": "" }, { "source.password": "Src-pw1" });
    await runUntil(h, "dms-endpoints");
    await dmsEndpointsStep.run(h.ctx);
    const deps = cleanupDepsFor(h.ctx);
    for (const key of [RES.sourceSecretRole, RES.targetSecretRole]) expect(await deps.deleteRole(h.state.resources[key]!)).toBe("done");
    for (const key of [RES.sourceSecret, RES.targetSecret]) expect(await deps.deleteSecret(h.state.resources[key]!)).toBe("done");
    expect(fake.roleStore.created.size).toBe(0);
    expect([...fake.secretStore.byArn.values()].map((s) => s.Name).sort()).toEqual(["rds!cluster-" + [...fake.clusters.keys()][0], "source-db"].sort());
    expect(fake.callsTo("deleteSecret").every((c) => c.input["ForceDeleteWithoutRecovery"] === true)).toBe(true);
    expect(await deps.deleteRole(h.state.resources[RES.sourceSecretRole]!)).toBe("already-gone");
    expect(await deps.deleteSecret(h.state.resources[RES.sourceSecret]!)).toBe("already-gone");
  });
});
