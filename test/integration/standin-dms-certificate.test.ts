import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStandinAws, type StandinAws } from "../../src/standin/aws/index.js";
import { issueCertificate } from "../../src/standin/tls-certificate.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";

/**
 * A real server playing Aurora, whose certificate a test CA signed for the name "localhost"
 * only; the stand-in DMS's target endpoints verify it against that CA, imported as a bundle
 * (another CA first, as RDS bundles hold several).
 */
let server: PgServer;
let bundle: string;
let otherCa: string;
beforeAll(async () => {
  const ca = issueCertificate({ commonName: "aurora-migrate test CA", ca: true });
  const other = issueCertificate({ commonName: "another CA", ca: true });
  const leaf = issueCertificate({ commonName: "localhost", dnsNames: ["localhost"], issuer: ca });
  bundle = other.certPem + ca.certPem;
  otherCa = other.certPem;
  server = await startPgServer({ name: "dmscert", logical: false, ssl: { certPem: leaf.certPem, keyPem: leaf.keyPem } });
});
afterAll(async () => {
  await server?.stop();
});

let dir: string;
let aws: StandinAws;
let instanceArn: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "standin-cert-"));
  aws = await createStandinAws({ statePath: join(dir, "m.state.json"), auroraServer: { host: "localhost", port: server.port, user: "postgres", sslmode: "require" }, settleMs: 0 });
  instanceArn = (await aws.dms.createReplicationInstance({ ReplicationInstanceIdentifier: "ri", ReplicationInstanceClass: "dms.t3.medium" })).ReplicationInstance!.ReplicationInstanceArn!;
});
afterEach(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

async function importCa(id: string, pem: string): Promise<string> {
  return (await aws.dms.importCertificate({ CertificateIdentifier: id, CertificatePem: pem })).Certificate!.CertificateArn!;
}

async function target(id: string, host: string, certificateArn: string): Promise<string> {
  const out = await aws.dms.createEndpoint({ EndpointIdentifier: id, EndpointType: "target", EngineName: "aurora-postgresql", ServerName: host, Port: server.port, Username: "postgres", DatabaseName: "postgres", SslMode: "verify-full", CertificateArn: certificateArn });
  return out.Endpoint!.EndpointArn!;
}

async function tested(endpointArn: string): Promise<{ Status?: string | undefined; LastFailureMessage?: string | undefined }> {
  await aws.dms.testConnection({ EndpointArn: endpointArn, ReplicationInstanceArn: instanceArn });
  for (let i = 0; i < 250; i += 1) {
    const c = (await aws.dms.describeConnections({ Filters: [{ Name: "endpoint-arn", Values: [endpointArn] }] })).Connections?.[0];
    if (c?.Status !== "testing") return c ?? {};
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the connection test never ended");
}

describe("stand-in DMS: a target endpoint with SslMode verify-full and an imported CA", () => {
  it("GIVEN a server whose certificate a test CA signed for localhost WHEN an endpoint for localhost with verify-full names the imported bundle THEN the connection test passes", async () => {
    const arn = await importCa("rds-bundle", bundle);
    const shown = (await aws.dms.describeCertificates({ Filters: [{ Name: "certificate-id", Values: ["rds-bundle"] }] })).Certificates;
    expect(shown).toEqual([expect.objectContaining({ CertificateArn: arn, CertificateIdentifier: "rds-bundle", CertificatePem: bundle })]);
    const endpoint = await target("tgt", "localhost", arn);
    expect((await aws.dms.describeEndpoints({ Filters: [{ Name: "endpoint-arn", Values: [endpoint] }] })).Endpoints?.[0]).toMatchObject({ SslMode: "verify-full", CertificateArn: arn });
    expect(await tested(endpoint)).toEqual(expect.objectContaining({ Status: "successful" }));
  });

  it("GIVEN that certificate (for localhost only) WHEN the endpoint names the server by 127.0.0.1 THEN the test fails: the certificate is not for that host name", async () => {
    const endpoint = await target("tgt-ip", "127.0.0.1", await importCa("rds-bundle", bundle));
    const result = await tested(endpoint);
    expect(result.Status).toBe("failed");
    expect(result.LastFailureMessage).toContain('the server\'s certificate is not for the host name "127.0.0.1"');
  });

  it("GIVEN only another CA imported WHEN the endpoint verifies the server with it THEN the test fails: the certificate is not signed by a CA in that file", async () => {
    const result = await tested(await target("tgt-other", "localhost", await importCa("other-ca", otherCa)));
    expect(result.Status).toBe("failed");
    expect(result.LastFailureMessage).toMatch(/not signed by a CA in \S+\.pem/);
  });

  it("GIVEN verify-full WHEN no certificate, or one that is gone, is named THEN CreateEndpoint is refused as DMS refuses it", async () => {
    await expect(aws.dms.createEndpoint({ EndpointIdentifier: "no-ca", EndpointType: "target", EngineName: "aurora-postgresql", ServerName: "localhost", Username: "postgres", DatabaseName: "postgres", SslMode: "verify-full" })).rejects.toMatchObject({
      name: "InvalidParameterCombinationException",
    });
    await expect(target("gone-ca", "localhost", "arn:aws:dms:local-1:000000000000:cert:NOSUCHCERTIFICATE")).rejects.toMatchObject({ name: "ResourceNotFoundFault" });
    await expect(importCa("not-pem", "hello")).rejects.toMatchObject({ name: "InvalidCertificateFault" });
  });

  it("GIVEN an endpoint that uses the certificate WHEN the certificate is deleted THEN DMS's InvalidResourceStateFault; once the endpoint is gone it is deleted, its PEM file with it", async () => {
    const arn = await importCa("rds-bundle", bundle);
    const endpoint = await target("tgt", "localhost", arn);
    const pemFiles = () => readdirSync(dir).filter((f) => f.endsWith(".pem"));
    expect(pemFiles()).toHaveLength(1);
    await expect(aws.dms.deleteCertificate({ CertificateArn: arn })).rejects.toMatchObject({ name: "InvalidResourceStateFault", message: expect.stringContaining("in use by the endpoint tgt") as unknown });
    await aws.dms.deleteEndpoint({ EndpointArn: endpoint });
    await aws.dms.deleteCertificate({ CertificateArn: arn });
    expect(pemFiles()).toEqual([]);
    await expect(aws.dms.describeCertificates({ Filters: [{ Name: "certificate-arn", Values: [arn] }] })).rejects.toMatchObject({ name: "ResourceNotFoundFault" });
    expect(existsSync(join(dir, "m.state.json.standin-aws.json"))).toBe(true);
  });
});
