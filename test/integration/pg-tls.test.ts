import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectUrl } from "../../src/adapters/postgres/connect-url.js";
import { libpqEnv, toolEnv } from "../../src/adapters/postgres/env.js";
import { parsePgUrl } from "../../src/adapters/postgres/url.js";
import type { AppError } from "../../src/core/errors.js";
import { issueCertificate } from "../../src/standin/tls-certificate.js";
import { startCli } from "../support/cli.js";
import { sharedServerInfo } from "../support/databases.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";

const run = promisify(execFile);

/**
 * Real servers: one serving a certificate a test CA signed for the name "localhost" only, the
 * shared target (a self-signed certificate, as the demo's Aurora) and the shared source (no TLS).
 */
let server: PgServer;
let dir: string;
let caFile: string;
let otherCaFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "am-tls-"));
  const ca = issueCertificate({ commonName: "aurora-migrate test CA", ca: true });
  const other = issueCertificate({ commonName: "another CA", ca: true });
  const leaf = issueCertificate({ commonName: "localhost", dnsNames: ["localhost"], issuer: ca });
  caFile = join(dir, "ca.pem");
  otherCaFile = join(dir, "other-ca.pem");
  writeFileSync(caFile, ca.certPem);
  writeFileSync(otherCaFile, other.certPem);
  server = await startPgServer({ name: "tls", logical: false, ssl: { certPem: leaf.certPem, keyPem: leaf.keyPem } });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const url = (host: string, port: number, query: string): string => `postgres://postgres@${host}:${port}/postgres${query ? `?${query}` : ""}`;

/** Connects as the tool does and reports whether the session is encrypted. */
async function encrypted(text: string): Promise<boolean> {
  const client = await connectUrl(text, { connectTimeoutMs: 5_000 });
  try {
    const { rows } = await client.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    return rows[0]?.ssl === true;
  } finally {
    await client.end();
  }
}

async function failure(text: string): Promise<AppError> {
  const err = await encrypted(text).then(
    () => undefined,
    (e: unknown) => e as AppError,
  );
  if (!err) throw new Error(`expected ${text} to fail`);
  return err;
}

describe("TLS as libpq, verified where asked (the tool's own connections)", () => {
  it("GIVEN a server whose certificate a test CA signed for localhost WHEN sslmode=verify-full names that CA and the host is localhost THEN it connects, encrypted", async () => {
    expect(await encrypted(url("localhost", server.port, `sslmode=verify-full&sslrootcert=${caFile}`))).toBe(true);
  });

  it("GIVEN that certificate (for localhost only) WHEN sslmode=verify-full connects to 127.0.0.1 THEN it is refused, saying the certificate is not for that host name and what to do", async () => {
    const err = await failure(url("127.0.0.1", server.port, `sslmode=verify-full&sslrootcert=${caFile}`));
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('the server\'s certificate is not for the host name "127.0.0.1"');
    expect(err.hint).toMatch(/host name the certificate names.*verify-ca/);
  });

  it("GIVEN that certificate WHEN sslmode=verify-ca names the right CA at 127.0.0.1 THEN it connects (the chain is checked, not the host name)", async () => {
    expect(await encrypted(url("127.0.0.1", server.port, `sslmode=verify-ca&sslrootcert=${caFile}`))).toBe(true);
  });

  it("GIVEN another CA WHEN sslmode=verify-ca or verify-full names it THEN it is refused, saying the certificate is not signed by a CA in that file", async () => {
    for (const mode of ["verify-ca", "verify-full"]) {
      const err = await failure(url("localhost", server.port, `sslmode=${mode}&sslrootcert=${otherCaFile}`));
      expect(err.message).toContain(`not signed by a CA in ${otherCaFile}`);
      expect(err.hint).toContain("sslrootcert");
    }
  });

  it("GIVEN a self-signed server certificate WHEN sslmode=verify-full names no CA THEN it is refused; WHEN sslmode=require THEN it connects encrypted without verifying", async () => {
    const port = sharedServerInfo("target").port;
    expect((await failure(url("localhost", port, "sslmode=verify-full"))).message).toContain("not signed by a CA this machine trusts");
    expect(await encrypted(url("127.0.0.1", port, "sslmode=require"))).toBe(true);
  });

  it("GIVEN a server with TLS WHEN the URL has no sslmode, or sslmode=prefer THEN the session is encrypted (libpq's default is prefer)", async () => {
    expect(await encrypted(url("127.0.0.1", server.port, ""))).toBe(true);
    expect(await encrypted(url("127.0.0.1", server.port, "sslmode=prefer"))).toBe(true);
    expect(await encrypted(url("127.0.0.1", server.port, "sslmode=disable"))).toBe(false);
  });

  it("GIVEN a server without TLS WHEN sslmode=prefer (or none) THEN it connects in plain; WHEN sslmode=require THEN it is refused, saying the server has no TLS", async () => {
    const port = sharedServerInfo("source").port;
    expect(await encrypted(url("127.0.0.1", port, "sslmode=prefer"))).toBe(false);
    expect(await encrypted(url("127.0.0.1", port, ""))).toBe(false);
    expect(await encrypted(url("127.0.0.1", port, "sslmode=allow"))).toBe(false);
    const err = await failure(url("127.0.0.1", port, "sslmode=require"));
    expect(err.message).toContain("the server does not accept TLS connections");
  });

  it("GIVEN a database that admits TLS connections only (hostssl) WHEN sslmode=allow THEN the plain attempt is turned down and it connects with TLS", async () => {
    await server.sql('CREATE DATABASE "tls only"');
    await server.setHba(["local all all trust", 'hostssl "tls only" all 127.0.0.1/32 trust', "host postgres all 127.0.0.1/32 trust"]);
    const only = `postgres://postgres@127.0.0.1:${server.port}/tls%20only`;
    expect(await encrypted(`${only}?sslmode=allow`)).toBe(true);
    expect((await failure(`${only}?sslmode=disable`)).message).toContain("no encryption");
  });
});

describe("TLS settings reach libpq programs (pg_dump, psql, hooks)", () => {
  const psql = (env: NodeJS.ProcessEnv): Promise<{ stdout: string }> =>
    run(join(sharedServerInfo("source").binDir, "psql"), ["-XAtc", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"], { env });

  it("GIVEN verify-full with the test CA WHEN psql runs with the tool's environment THEN it verifies and connects encrypted; WITH the other CA THEN it fails", async () => {
    const good = parsePgUrl(url("localhost", server.port, `sslmode=verify-full&sslrootcert=${caFile}`)).location;
    const env = toolEnv(good, undefined);
    expect(env["PGSSLROOTCERT"]).toBe(caFile);
    expect(env["DATABASE_URL"]).toContain(`sslrootcert=${encodeURIComponent(caFile)}`);
    expect((await psql(env)).stdout.trim()).toBe("t");
    const bad = parsePgUrl(url("localhost", server.port, `sslmode=verify-full&sslrootcert=${otherCaFile}`)).location;
    await expect(psql(toolEnv(bad, undefined))).rejects.toThrow(/certificate verify failed/);
  });

  it("GIVEN an inherited PGSSLROOTCERT WHEN the URL names none THEN the child does not get it (it connects as the URL says)", () => {
    const loc = parsePgUrl(url("localhost", server.port, "sslmode=require")).location;
    const env = libpqEnv(loc, undefined, { base: { PATH: "/usr/bin", PGSSLROOTCERT: otherCaFile, PGSSLCERT: "/x.crt", PGSSLMODE: "disable" } });
    expect(env["PGSSLMODE"]).toBe("require");
    expect(env).not.toHaveProperty("PGSSLROOTCERT");
    expect(env).not.toHaveProperty("PGSSLCERT");
  });
});

describe("bad TLS parameters are bad input", () => {
  it("GIVEN sslmode=bogus WHEN the built CLI checks a source THEN it exits 2 naming the valid sslmodes", async () => {
    const cli = startCli(["check-source", url("127.0.0.1", sharedServerInfo("source").port, "sslmode=bogus")]);
    const r = await cli.done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sslmode=bogus");
    expect(r.stderr).toContain("disable, allow, prefer, require, verify-ca, verify-full");
  });

  it("GIVEN sslrootcert naming a missing file THEN parsing the URL is a usage error naming the file", () => {
    expect(() => parsePgUrl(url("localhost", 5432, "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"))).toThrow(/\/nonexistent\/ca\.pem/);
  });
});
