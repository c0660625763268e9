import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isReadCall } from "../../../src/adapters/aws/dry-run.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupDepsFor } from "../../../src/migration/cleanup/aws-deps.js";
import { runCleanup } from "../../../src/migration/cleanup/run-cleanup.js";
import type { AppError } from "../../../src/core/errors.js";
import { issueCertificate } from "../../../src/standin/tls-certificate.js";
import { RES } from "../../../src/migration/aws/resources.js";
import { auroraClusterStep } from "../../../src/steps/aurora-cluster.js";
import { replicationInstanceStep } from "../../../src/steps/replication-instance.js";
import { dmsEndpointsStep } from "../../../src/steps/dms-endpoints.js";
import { readOutput } from "../../../src/migration/outputs/read.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws } from "../../support/aws/fake-aws.js";
import { runUntil } from "../../support/aws/flow.js";
import { type Harness, harness, sourceState } from "../../support/aws/harness.js";

let db: TestDatabase;
let dir: string;
/** An RDS-style CA bundle: two CA certificates in one PEM file. */
let bundlePath: string;
let bundlePem: string;
beforeAll(async () => {
  db = await freshDatabase("source", "dmscert");
  dir = mkdtempSync(join(tmpdir(), "am-dmscert-"));
  bundlePem = issueCertificate({ commonName: "Test RDS eu-west-1 Root CA RSA2048 G1", ca: true }).certPem + issueCertificate({ commonName: "Test RDS eu-west-1 Root CA ECC384 G1", ca: true }).certPem;
  bundlePath = join(dir, "eu-west-1-bundle.pem");
  writeFileSync(bundlePath, bundlePem);
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Steps 3 and 4 done (step 3 given the CA bundle when `withBundle`), step 5 next. */
async function upToEndpoints(fake: FakeAws, withBundle: boolean): Promise<Harness> {
  const h = harness(fake, sourceState(db.url, db.name), { answers: withBundle ? { "aurora.caBundle": bundlePath } : {} });
  await runUntil(h, "dms-endpoints");
  return h;
}

const created = (fake: FakeAws, type: "source" | "target") => fake.callsTo("createEndpoint").find((c) => c.input["EndpointType"] === type)?.input;
const targetEndpoint = (fake: FakeAws) => [...fake.endpoints.values()].find((e) => e.EndpointType === "target")!;

describe("step 5: the target endpoint verifies Aurora with the RDS CA bundle", () => {
  it("GIVEN step 3 recorded an RDS CA bundle WHEN the endpoints are created THEN the bundle is imported into DMS as it is in the file, and the target endpoint uses it with SslMode verify-full (the source is unchanged)", async () => {
    const fake = new FakeAws();
    const h = await upToEndpoints(fake, true);
    const result = await dmsEndpointsStep.run(h.ctx);

    const imports = fake.callsTo("importCertificate");
    expect(imports).toHaveLength(1);
    expect(imports[0]!.input["CertificatePem"]).toBe(bundlePem);
    const certificate = [...fake.certificateStore.byId.values()][0]!;
    expect(created(fake, "target")).toMatchObject({ SslMode: "verify-full", CertificateArn: certificate.CertificateArn });
    expect(created(fake, "source")).toMatchObject({ SslMode: "require" });
    expect(created(fake, "source")).not.toHaveProperty("CertificateArn");
    // What DMS checks Aurora's certificate against: the file's PEM, both CAs.
    expect(fake.dmsSees(targetEndpoint(fake).EndpointIdentifier!)).toMatchObject({ sslMode: "verify-full", caPem: bundlePem });
    expect(h.state.resources[RES.targetCertificate]).toMatchObject({ kind: "dms-certificate", id: certificate.CertificateIdentifier, arn: certificate.CertificateArn, createdByUs: true });
    expect(readOutput(h, "dms-endpoints")?.targetCertificateArn).toBe(certificate.CertificateArn);
    expect(result).toMatchObject({ summary: expect.stringContaining("(verify-full, certificate ") as unknown });
  });

  it("GIVEN a crash right after the import, before it was recorded WHEN step 5 runs again THEN the certificate is found by its identifier and used: no second import", async () => {
    const fake = new FakeAws({ crashAfter: new Set(["importCertificate"]) });
    const h = await upToEndpoints(fake, true);
    await expect(dmsEndpointsStep.run(h.ctx)).rejects.toThrow("simulated crash right after importCertificate");
    expect(h.state.resources[RES.targetCertificate]).toBeUndefined();
    expect(fake.certificateStore.byId.size).toBe(1);

    await dmsEndpointsStep.run(h.ctx);
    expect(fake.callsTo("importCertificate")).toHaveLength(1);
    const certificate = [...fake.certificateStore.byId.values()][0]!;
    expect(created(fake, "target")).toMatchObject({ SslMode: "verify-full", CertificateArn: certificate.CertificateArn });
    expect(h.state.resources[RES.targetCertificate]?.arn).toBe(certificate.CertificateArn);
    expect(h.reporter.text).toContain(`Found the DMS certificate ${certificate.CertificateIdentifier} from an earlier run`);
  });

  it("GIVEN no CA bundle WHEN the endpoints are created THEN nothing changes: no certificate call, the target's SslMode is the answer (require), no CertificateArn", async () => {
    const fake = new FakeAws();
    const h = await upToEndpoints(fake, false);
    await dmsEndpointsStep.run(h.ctx);
    expect(fake.calls.filter((c) => /Certificate/.test(c.method))).toEqual([]);
    expect(created(fake, "target")).toMatchObject({ SslMode: "require" });
    expect(created(fake, "target")).not.toHaveProperty("CertificateArn");
    expect(h.state.resources[RES.targetCertificate]).toBeUndefined();
  });

  it("GIVEN endpoints made without a CA bundle WHEN step 3 is retried with one and step 5 runs again THEN the target is modified to verify-full with the imported certificate, and tested again", async () => {
    const fake = new FakeAws();
    const h = await upToEndpoints(fake, false);
    await dmsEndpointsStep.run(h.ctx);
    const tests = fake.callsTo("testConnection").length;

    (h.state.outputs["aurora-cluster"] as { caBundle?: string }).caBundle = bundlePath;
    await dmsEndpointsStep.run(h.ctx);
    const certificate = [...fake.certificateStore.byId.values()][0]!;
    expect(fake.callsTo("modifyEndpoint").map((c) => c.input)).toEqual([{ EndpointArn: targetEndpoint(fake).EndpointArn, SslMode: "verify-full", CertificateArn: certificate.CertificateArn }]);
    expect(fake.callsTo("testConnection").length).toBe(tests + 2);
    expect(fake.dmsSees(targetEndpoint(fake).EndpointIdentifier!)).toMatchObject({ sslMode: "verify-full", caPem: bundlePem });
  });

  it("GIVEN the bundle file replaced by something that is not PEM after step 3 WHEN step 5 runs THEN it stops before any AWS call for the target, naming the file and what to put there", async () => {
    const fake = new FakeAws();
    const path = join(dir, "replaced-bundle.pem");
    writeFileSync(path, bundlePem);
    const h = harness(fake, sourceState(db.url, db.name), { answers: { "aurora.caBundle": path } });
    await runUntil(h, "dms-endpoints");
    writeFileSync(path, "<html>Access denied</html>\n");
    const err = (await dmsEndpointsStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toBe(`The RDS CA bundle ${path} holds no PEM certificate.`);
    expect(err.hint).toContain("https://truststore.pki.rds.amazonaws.com");
    expect(fake.callsTo("importCertificate")).toHaveLength(0);
    expect(created(fake, "target")).toBeUndefined();
  });
});

describe("--dry-run with a CA bundle", () => {
  it("GIVEN --dry-run and a CA bundle WHEN steps 3–5 run THEN the import and the verify-full target endpoint are printed, and no changing call is made", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState("postgres://app@10.0.1.5:5432/shop", "shop"), {
      options: { dryRun: true },
      answers: { "aurora.caBundle": bundlePath, "dms.source.credentials": "password", "dms.target.credentials": "password", "aurora.passwordMode": "prompt" },
      secrets: { "source.password": "src-Pa55word", "target.password": "tgt-Pa55word" },
    });
    for (const step of [auroraClusterStep, replicationInstanceStep, dmsEndpointsStep]) await step.run(h.ctx);
    expect(fake.calls.filter((c) => !isReadCall(c.method))).toEqual([]);
    expect(h.reporter.text).toMatch(/\[dry-run\] DMS ImportCertificate \{"CertificateIdentifier":"aurora-migrate-shop-ca-[0-9a-f]{8}","CertificatePem":"-----BEGIN CERTIFICATE-----/);
    expect(h.reporter.text).toMatch(/\[dry-run\] DMS CreateEndpoint \{"EngineName":"aurora-postgresql".*"SslMode":"verify-full","CertificateArn":"<certificate ARN>".*"EndpointType":"target"/);
  });
});

describe("cleanup of the imported certificate", () => {
  it("GIVEN the endpoints still exist WHEN the certificate is deleted THEN the fake refuses, as DMS does, and cleanup says an endpoint still uses it", async () => {
    const fake = new FakeAws();
    const h = await upToEndpoints(fake, true);
    await dmsEndpointsStep.run(h.ctx);
    const err = (await cleanupDepsFor(h.ctx)
      .deleteCertificate(h.state.resources[RES.targetCertificate]!)
      .catch((e: unknown) => e)) as AppError;
    expect(err.message).toBe(`DMS refused to delete the certificate ${h.state.resources[RES.targetCertificate]!.id}: an endpoint still uses it.`);
    expect(err.hint).toContain("Delete the endpoints that use it first");
    expect(fake.certificateStore.byId.size).toBe(1);
  });

  it("GIVEN a migration with a verified target WHEN cleanup runs THEN the certificate is deleted after the target endpoint is gone, and a second run finds it already gone", async () => {
    const fake = new FakeAws();
    const h = await upToEndpoints(fake, true);
    await dmsEndpointsStep.run(h.ctx);
    const certId = h.state.resources[RES.targetCertificate]!.id;
    const targetId = h.state.resources[RES.targetEndpoint]!.id;
    h.state.outputs["cutover"] = { report: { frozeAt: "2026-11-24T11:00:00.000Z", outcome: "switched" } };
    // The tests' "Aurora" is a shared server: cleanup is kept off it.
    delete h.state.answers["target.url"];

    const report = await runCleanup(h.ctx, cleanupDepsFor(h.ctx));
    expect(report.done).toContain(`the DMS certificate ${certId}`);
    expect(fake.certificateStore.byId.size).toBe(0);
    const t = fake.timeline;
    expect(t.indexOf(`gone endpoint ${targetId}`)).toBeGreaterThan(-1);
    expect(t.indexOf("call deleteCertificate")).toBeGreaterThan(t.indexOf(`gone endpoint ${targetId}`));
    expect(h.state.resources[RES.targetCertificate]).toHaveProperty("deletedAt");

    delete (h.state.resources[RES.targetCertificate] as { deletedAt?: string }).deletedAt;
    expect(await cleanupDepsFor(h.ctx).deleteCertificate(h.state.resources[RES.targetCertificate]!)).toBe("already-gone");
  });

  it("GIVEN --keep-endpoints WHEN cleanup runs THEN the certificate is kept too, saying the endpoint still uses it", async () => {
    const fake = new FakeAws();
    const h = await upToEndpoints(fake, true);
    await dmsEndpointsStep.run(h.ctx);
    h.state.outputs["cutover"] = { report: { frozeAt: "2026-11-24T11:00:00.000Z", outcome: "switched" } };
    delete h.state.answers["target.url"];
    const report = await runCleanup(h.ctx, cleanupDepsFor(h.ctx), { keepEndpoints: true });
    expect(report.remaining).toContain(`DMS certificate ${h.state.resources[RES.targetCertificate]!.id} (the DMS endpoint ${h.state.resources[RES.sourceEndpoint]!.id} still uses it)`);
    expect(fake.callsTo("deleteCertificate")).toHaveLength(0);
    expect(readFileSync(bundlePath, "utf8")).toBe(bundlePem);
  });
});
