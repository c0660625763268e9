/** The login's rights, and what a login without superuser could not see. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckSourceReport } from "../../src/commands/check-source.js";
import { runCli } from "../support/cli.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { findingsOf, preflightOf } from "../support/preflight.js";
import { envelopeIn } from "../support/json-envelope.js";

let db: TestDatabase;
const suffix = randomBytes(3).toString("hex");
const plain = `pf_plain_${suffix}`;
const replicator = `pf_repl_${suffix}`;

beforeAll(async () => {
  db = await freshDatabase("source", "pf_access");
  await db.sql(`CREATE ROLE ${plain} LOGIN; CREATE ROLE ${replicator} LOGIN REPLICATION`);
  await db.sql("CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders VALUES (1, repeat('n', 300))");
});
afterAll(async () => {
  await db?.drop();
  await db?.sql(`DROP ROLE IF EXISTS ${plain}; DROP ROLE IF EXISTS ${replicator}`).catch(() => undefined);
});

describe("the login's rights", () => {
  it("GIVEN a superuser login THEN the rights check is quiet", async () => {
    const { result } = await preflightOf(db.url);
    expect(findingsOf(result, "access.login_rights")).toEqual([]);
    expect(result.passed).toContain("the login may run change capture (superuser)");
  });

  it("GIVEN a login with neither SUPERUSER nor REPLICATION THEN a blocker with the ALTER ROLE / CREATE ROLE fix", async () => {
    const { result } = await preflightOf(db.urlAs(plain));
    const [finding] = findingsOf(result, "access.login_rights");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found).toBe(`${plain}: SUPERUSER no, REPLICATION no`);
    expect(finding?.fix).toContain(`ALTER ROLE ${plain} WITH SUPERUSER;`);
    expect(finding?.fix).toContain("CREATE ROLE dms_migrator WITH LOGIN SUPERUSER PASSWORD '<choose a password>';");
  });

  it("GIVEN a REPLICATION login without superuser THEN a warning that AWS requires a superuser for a self-managed CDC source", async () => {
    const { result } = await preflightOf(db.urlAs(replicator));
    const [finding] = findingsOf(result, "access.login_rights");
    expect(finding?.severity).toBe("warning");
    expect(finding?.title).toContain("AWS requires a superuser");
  });

  it("GIVEN no SELECT on a table THEN a blocker with the GRANTs; after GRANT SELECT THEN quiet", async () => {
    const denied = findingsOf((await preflightOf(db.urlAs(plain))).result, "access.table_select");
    expect(denied[0]?.found).toBe("public.orders");
    expect(denied[0]?.fix).toBe(`GRANT USAGE ON SCHEMA public TO ${plain};\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO ${plain};`);
    await db.sql(`GRANT SELECT ON orders TO ${plain}`);
    const { result, facts } = await preflightOf(db.urlAs(plain));
    expect(findingsOf(result, "access.table_select")).toEqual([]);
    expect(facts.dataScan.status === "done" && facts.dataScan.lobMaxima.map((l) => l.maxBytes)).toEqual([300]);
    await db.sql(`REVOKE SELECT ON orders FROM ${plain}`);
  });
});

describe("a login without superuser", () => {
  it("GIVEN a plain login WHEN check-source runs (built binary, --json) THEN it does not crash and says what it could not see and why", async () => {
    // A password in the URL (trust auth ignores it) must never be echoed.
    const run = await runCli(["check-source", db.urlAs(plain, "S3cret-pw-77"), "--json", "--dms-cidr", "10.0.12.34"]);
    expect(run.code).toBe(3); // blocked by its own missing rights, not by a crash
    const report = envelopeIn<CheckSourceReport>(run.stdout, { command: "check-source", exitCode: 3 }).result;
    expect(report.login).toEqual({ name: plain, superuser: false, replication: false });
    expect(report.facts.couldNotSee.map((c) => c.what)).toEqual([
      "pg_hba.conf rules (pg_hba_file_rules)",
      "other users' sessions (long-running transactions)",
      "the location of pg_hba.conf and postgresql.conf",
      "the data of 1 table(s) (LOB sizes): public.orders",
    ]);
    const hba = report.findings.find((f) => f.check === "access.pg_hba_replication");
    expect(hba?.severity).toBe("warning");
    expect(hba?.found).toContain("permission denied for view pg_hba_file_rules");
    // password_encryption is readable by any login: the lines use the server's scram-sha-256.
    expect(hba?.fix).toMatch(/host +replication +\S+ +10\.0\.12\.34\/32 +scram-sha-256\n/);
    const stats = report.findings.find((f) => f.check === "access.not_visible" && f.title.includes("sessions"));
    expect(stats?.fix).toContain(`GRANT pg_read_all_stats TO ${plain};`);
    expect(report.queries.catalog).toBe(9);
    expect(run.stdout + run.stderr).not.toContain("S3cret-pw-77");
  });

  it("GIVEN a superuser login THEN nothing is reported as unseen", async () => {
    const { facts, result } = await preflightOf(db.url);
    expect(facts.blindSpots).toEqual([]);
    expect(findingsOf(result, "access.not_visible")).toEqual([]);
  });
});

describe("bad input", () => {
  it("GIVEN an invalid URL WHEN check-source runs (built binary) THEN it exits 2 saying what a URL looks like", async () => {
    const run = await runCli(["check-source", "mysql://app@db/app"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("postgres://user@host:5432/dbname");
  });

  it("GIVEN --dms-cidr 0.0.0.0/0 THEN it exits 2 and proposes nothing", async () => {
    const run = await runCli(["check-source", db.url, "--dms-cidr", "0.0.0.0/0"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("never 0.0.0.0/0");
  });

  it("GIVEN --schemas naming a schema the database lacks THEN it exits 2 listing the ones it has", async () => {
    const run = await runCli(["check-source", db.url, "--schemas", "public,nosuch"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("nosuch");
    expect(run.stderr).toContain("Its schemas: public");
  });
});
