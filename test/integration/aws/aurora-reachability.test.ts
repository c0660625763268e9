import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { libpqEnv } from "../../../src/adapters/postgres/env.js";
import { quoteIdent } from "../../../src/plan/sql-text.js";
import { runWizard } from "../../../src/commands/wizard.js";
import type { AppError } from "../../../src/core/errors.js";
import type { GlobalOptions } from "../../../src/migration/context.js";
import { issueCertificate } from "../../../src/standin/tls-certificate.js";
import { readState, writeStateAtomic } from "../../../src/state/store.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { readOutput } from "../../../src/migration/outputs/read.js";
import { openDatabase, recordedLocation } from "../../../src/migration/connections.js";
import { MemoryReporter } from "../../../src/ui/reporter.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { AWS_STEPS_TO_FULL_LOAD } from "../../support/aws/flow.js";
import { FakeClock, UNATTENDED_ANSWERS, harness, sourceState } from "../../support/aws/harness.js";
import { freshDatabase, sharedServerInfo, type TestDatabase } from "../../support/databases.js";
import { type PgServer, freePort, startPgServer } from "../../support/pg-server.js";

let source: TestDatabase;
let target: TestDatabase;
let dir: string;
beforeAll(async () => {
  source = await freshDatabase("source", "reach");
  // "Aurora"'s database, named like the source's (as the wizard expects), on the shared target server.
  target = await freshDatabase("target", "reach");
  dir = mkdtempSync(join(tmpdir(), "am-reach-"));
});
afterAll(async () => {
  await source.drop();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
});

const DMS_CREATES = ["createReplicationSubnetGroup", "createReplicationInstance", "createEndpoint", "createReplicationTask", "importCertificate"];
const steps = AWS_STEPS_TO_FULL_LOAD.filter((s) => ["aurora-cluster", "replication-instance", "dms-endpoints", "dms-task"].includes(s.id));

/** A migration whose steps 1–2 are recorded in a state file, answered by a --config file, run with --yes. */
async function migration(config: Record<string, unknown>): Promise<GlobalOptions> {
  const d = mkdtempSync(join(dir, "m-"));
  const statePath = join(d, "m.state.json");
  const configPath = join(d, "answers.json");
  const state = sourceState(source.url, target.name);
  state.steps["source-connection"] = { status: "done", attempts: 1, findings: [] };
  state.steps["source-preflight"] = { status: "done", attempts: 1, findings: [] };
  await writeStateAtomic(statePath, state);
  writeFileSync(configPath, JSON.stringify(config));
  return { statePath, configPath, yes: true, json: false, dryRun: false, verbose: false, color: false };
}

const resume = (options: GlobalOptions, fake: FakeAws): Promise<unknown> =>
  runWizard(options, "resume", { reporter: new MemoryReporter(), signal: new AbortController().signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) }, steps).then(
    () => undefined,
    (e: unknown) => e,
  );

describe("step 3 reaches Aurora from where the tool runs, before anything for DMS is created", () => {
  it("GIVEN Aurora's endpoint is an address nothing answers at from here WHEN the wizard runs THEN it stops at step 3 (exit 1) with the three ways forward and their config keys, and no DMS resource was created", async () => {
    const dead = await freePort();
    const fake = new FakeAws({ clusterEndpoint: { host: "127.0.0.1", port: dead } });
    const options = await migration(UNATTENDED_ANSWERS);
    const err = (await resume(options, fake)) as AppError;
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`This machine cannot reach Aurora at 127.0.0.1:${dead}: nothing accepts connections there.`);
    expect(err.message).toContain("before creating anything for DMS");
    const ways = err.details.join("\n");
    expect(ways).toMatch(/^1\. Run the tool inside the VPC vpc-\w+: on an EC2 instance there, or in an AWS CloudShell VPC environment/m);
    expect(ways).toMatch(/^2\. Open the port to this machine: "aurora\.clientCidr": .*prefix \/8 or narrower/m);
    expect(ways).toMatch(/^3\. Use a tunnel .* point "target\.url" at it in the --config file/m);
    expect(err.hint).toContain("continue with: aurora-migrate resume");
    expect(fake.calls.map((c) => c.method).filter((m) => DMS_CREATES.includes(m))).toEqual([]);
    const state = await readState(options.statePath);
    expect(state.steps["aurora-cluster"]?.status).toBe("failed");
    expect(state.steps["replication-instance"]).toBeUndefined();
  });

  it("GIVEN that stop WHEN the user adds a target.url (a tunnel) to the --config and resumes THEN the cluster is kept, the tool connects through the tunnel, and the DMS steps follow", async () => {
    const dead = await freePort();
    const fake = new FakeAws({ clusterEndpoint: { host: "127.0.0.1", port: dead } });
    const options = await migration(UNATTENDED_ANSWERS);
    expect(await resume(options, fake)).toBeDefined();

    const tunnel = `postgres://postgres@127.0.0.1:${sharedServerInfo("target").port}/${target.name}?sslmode=require`;
    writeFileSync(options.configPath ?? "", JSON.stringify({ ...UNATTENDED_ANSWERS, target: { url: tunnel } }));
    expect(await resume(options, fake)).toBeUndefined();

    const state = await readState(options.statePath);
    expect(state.steps["dms-task"]?.status).toBe("done");
    expect(fake.callsTo("createDBCluster")).toHaveLength(1);
    expect(state.outputs["aurora-cluster"]).toMatchObject({
      writerEndpoint: "127.0.0.1",
      port: dead,
      targetVia: "target.url",
      target: { host: "127.0.0.1", port: sharedServerInfo("target").port, database: target.name, user: "postgres", params: { sslmode: "require" } },
    });
  });

  it("GIVEN no target.url and a reachable endpoint WHEN step 3 ends THEN the target is recorded as a structured location (the master user at the writer endpoint, TLS required) and reached over TLS", async () => {
    const fake = new FakeAws({ clusterEndpoint: { host: "127.0.0.1", port: sharedServerInfo("target").port } });
    const h = harness(fake, sourceState(source.url, target.name), { answers: { "target.url": "" } });
    await auroraClusterStep.run(h.ctx);
    const expected = { host: "127.0.0.1", port: sharedServerInfo("target").port, database: target.name, user: "postgres", params: { sslmode: "require" } };
    expect(h.state.outputs["aurora-cluster"]).toMatchObject({ target: expected, targetVia: "endpoint" });
    expect(recordedLocation(h.ctx, "target")).toEqual(expected);
    expect(h.reporter.text).toContain(`This machine reaches Aurora at postgres@127.0.0.1:${expected.port}/${target.name} over TLS.`);
  });

  it("GIVEN a target.url WHEN step 3 ends THEN the connection helpers of steps 7, 9 and 12 use it: sessions, pg_dump/psql's environment and hooks' DATABASE_URL", async () => {
    const fake = new FakeAws();
    const tunnel = `postgres://postgres@127.0.0.1:${sharedServerInfo("target").port}/${target.name}?sslmode=require&application_name=via-tunnel`;
    const h = harness(fake, sourceState(source.url, target.name), { answers: { "target.url": tunnel } });
    await auroraClusterStep.run(h.ctx);

    const client = await openDatabase(h.ctx, "target");
    try {
      const { rows } = await client.query<{ db: string; port: number }>("SELECT current_database() AS db, current_setting('port')::int AS port");
      expect(rows[0]).toEqual({ db: target.name, port: sharedServerInfo("target").port });
    } finally {
      await client.end();
    }
    const env = libpqEnv(recordedLocation(h.ctx, "target"), "pw", { passwordInUrl: true });
    expect(env).toMatchObject({ PGHOST: "127.0.0.1", PGPORT: String(sharedServerInfo("target").port), PGDATABASE: target.name, PGSSLMODE: "require" });
    expect(env["DATABASE_URL"]).toBe(`postgres://postgres:pw@127.0.0.1:${sharedServerInfo("target").port}/${target.name}?sslmode=require&application_name=via-tunnel`);
    // DMS still reaches Aurora at its own endpoint.
    expect((h.state.outputs["aurora-cluster"] as { writerEndpoint: string }).writerEndpoint).toMatch(/\.cluster-abc123\.eu-west-1\.rds\.amazonaws\.com$/);
  });

  it("GIVEN a state file written before the target was recorded as a location WHEN a later step connects THEN the recorded target.url answer is read", () => {
    const state = sourceState(source.url, target.name);
    state.outputs["aurora-cluster"] = {
      clusterId: "old",
      writerEndpoint: "old.cluster-x.eu-west-1.rds.amazonaws.com",
      port: 5432,
      engineVersion: "15.4",
      vpcId: "vpc-1",
      subnetIds: ["subnet-1", "subnet-2"],
      securityGroupId: "sg-1",
      masterUsername: "postgres",
      database: "shop",
    };
    state.answers["target.url"] = "postgres://postgres@old.cluster-x.eu-west-1.rds.amazonaws.com:5432/shop?sslmode=require";
    expect(recordedLocation({ state }, "target")).toEqual({ host: "old.cluster-x.eu-west-1.rds.amazonaws.com", port: 5432, database: "shop", user: "postgres", params: { sslmode: "require" } });
  });
});

describe("verify-full against Aurora with the RDS CA bundle the user names", () => {
  let server: PgServer;
  let caFile: string;
  beforeAll(async () => {
    const ca = issueCertificate({ commonName: "test RDS CA", ca: true });
    const leaf = issueCertificate({ commonName: "localhost", dnsNames: ["localhost"], issuer: ca });
    caFile = join(dir, "rds-bundle.pem");
    writeFileSync(caFile, ca.certPem);
    server = await startPgServer({ name: "aurora-tls", logical: false, ssl: { certPem: leaf.certPem, keyPem: leaf.keyPem } });
    await server.sql(`CREATE DATABASE "${target.name}"`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("GIVEN aurora.caBundle naming the CA of Aurora's certificate WHEN step 3 runs THEN the tool connects with verify-full against it, and records the bundle's path (not its content) for DMS", async () => {
    const fake = new FakeAws({ clusterEndpoint: { host: "localhost", port: server.port } });
    const h = harness(fake, sourceState(source.url, target.name), { answers: { "target.url": "", "aurora.caBundle": caFile } });
    await auroraClusterStep.run(h.ctx);
    expect(recordedLocation(h.ctx, "target").params).toEqual({ sslmode: "verify-full", sslrootcert: caFile });
    expect(readOutput(h, "aurora-cluster")?.caBundle).toBe(caFile);
    expect(JSON.stringify(h.state)).not.toContain("BEGIN CERTIFICATE");
    expect(h.reporter.text).toContain("over TLS, certificate verified (verify-full)");
  });

  it("GIVEN a CA bundle that did not sign Aurora's certificate WHEN step 3 runs THEN it stops before any DMS call, saying the certificate is not signed by a CA in that file", async () => {
    const other = join(dir, "other-bundle.pem");
    writeFileSync(other, issueCertificate({ commonName: "another CA", ca: true }).certPem);
    const fake = new FakeAws({ clusterEndpoint: { host: "localhost", port: server.port } });
    const h = harness(fake, sourceState(source.url, target.name), { answers: { "target.url": "", "aurora.caBundle": other } });
    const err = (await auroraClusterStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain(`not signed by a CA in ${other}`);
    expect(err.hint).toContain("aurora.caBundle");
  });

  it("GIVEN a CA bundle path that holds no certificate WHEN step 3 runs THEN it stops at the answer, before any create", async () => {
    const bad = join(dir, "not-a-bundle.pem");
    writeFileSync(bad, "hello");
    const fake = new FakeAws();
    const h = harness(fake, sourceState(source.url, target.name), { answers: { "aurora.caBundle": bad } });
    const err = (await auroraClusterStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/aurora\.caBundle.*holds no PEM certificate/);
    expect(fake.callsTo("createDBCluster")).toHaveLength(0);
  });
});

describe("the target database on a cluster the wizard created", () => {
  const odd = `Shop "DB" ü ${Date.now() % 100000}`;
  afterAll(async () => {
    await target.sql(`DROP DATABASE IF EXISTS ${quoteIdent(odd)} WITH (FORCE)`);
  });

  it("GIVEN a source database whose name RDS cannot create (quotes, spaces, unicode, uppercase) WHEN step 3 reaches the new cluster THEN it creates that database there and connects to it", async () => {
    const fake = new FakeAws({ clusterEndpoint: { host: "127.0.0.1", port: sharedServerInfo("target").port } });
    const h = harness(fake, sourceState(source.url, odd), { answers: { "target.url": "", "aurora.clusterId": "odd-shop" } });
    await auroraClusterStep.run(h.ctx);
    expect(fake.callsTo("createDBCluster")[0]?.input).not.toHaveProperty("DatabaseName");
    const client = await openDatabase(h.ctx, "target");
    try {
      expect((await client.query<{ db: string }>("SELECT current_database() AS db")).rows[0]?.db).toBe(odd);
    } finally {
      await client.end();
    }
    expect(h.reporter.text).toContain(`Created the database ${quoteIdent(odd)} on the new cluster`);
  });
});
