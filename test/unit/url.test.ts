import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { type PgLocation, formatPgUrl, parsePgUrl } from "../../src/adapters/postgres/url.js";
import type { AppError } from "../../src/core/errors.js";

const usage = (text: string): AppError => {
  try {
    parsePgUrl(text);
  } catch (err) {
    return err as AppError;
  }
  throw new Error(`expected ${text} to be refused`);
};

const caDir = mkdtempSync(join(tmpdir(), "am-url-"));
const caFile = join(caDir, "rds.pem");
writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");

describe("PostgreSQL URLs, read as libpq reads them", () => {
  it.each(['Shop "DB"', "a#b/c?d%e", "Ünïcode db", "select", "UPPER"])("GIVEN a database named %j THEN it survives formatting and parsing unchanged", (database) => {
    const loc: PgLocation = { host: "db.internal", port: 6432, database, user: "app user", params: { sslmode: "verify-full", sslrootcert: caFile, application_name: "x y" } };
    expect(parsePgUrl(formatPgUrl(loc)).location).toEqual({ ...loc, params: { ...loc.params } });
  });

  it("GIVEN a password with reserved characters THEN it is returned apart from the location, decoded", () => {
    const r = parsePgUrl("postgresql://app:p%40ss%3Aw%2Fd@[::1]:5433/shop");
    expect(r).toEqual({ location: { host: "::1", port: 5433, database: "shop", user: "app", params: {} }, password: "p@ss:w/d" });
  });

  it.each(["bogus", "REQUIRE", "verify_full", ""])("GIVEN sslmode=%j THEN it is a usage error (exit 2) naming the valid sslmodes", (mode) => {
    const err = usage(`postgres://app@h/d?sslmode=${mode}`);
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain("disable, allow, prefer, require, verify-ca, verify-full");
  });

  it("GIVEN sslmode=verify-ca without sslrootcert THEN it is a usage error asking for the CA file", () => {
    expect(usage("postgres://app@h/d?sslmode=verify-ca").message).toContain("verify-ca without sslrootcert");
  });

  it("GIVEN a relative sslrootcert THEN it is recorded as an absolute path (a resume elsewhere, pg_dump and hooks find it)", () => {
    const loc = parsePgUrl(`postgres://app@h/d?sslmode=verify-full&sslrootcert=${relative(process.cwd(), caFile)}`).location;
    expect(loc.params["sslrootcert"]).toBe(caFile);
  });

  it("GIVEN sslrootcert=system (libpq's system trust store) THEN it is kept as is", () => {
    expect(parsePgUrl("postgres://app@h/d?sslmode=verify-full&sslrootcert=system").location.params).toEqual({ sslmode: "verify-full", sslrootcert: "system" });
  });
});
