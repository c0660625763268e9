/** Pure checks on edge values that no server in the suite is set to. */
import { describe, expect, it } from "vitest";
import { checkDmsCidr } from "../../src/plan/preflight/dms-cidr.js";
import type { HbaRuleFact } from "../../src/plan/preflight/facts.js";
import { runPreflight } from "../../src/plan/preflight/index.js";
import { evaluateHba, hbaAuthMethod, hbaLine } from "../../src/plan/preflight/pg-hba.js";
import { parseCidr } from "../../src/plan/cidr.js";
import { healthyFacts, withSetting } from "../support/facts.js";

const of = (facts: ReturnType<typeof healthyFacts>, check: string, options = {}) => runPreflight(facts, options).findings.filter((f) => f.check === check);

describe("a healthy source", () => {
  it("GIVEN the healthy facts THEN no blocker and no warning", () => {
    const result = runPreflight(healthyFacts());
    expect(result.findings.filter((f) => f.severity !== "info")).toEqual([]);
  });

  it("GIVEN no --dms-cidr WHEN pg_hba could not be checked THEN that check is a note, never listed as passed", () => {
    const result = runPreflight(healthyFacts());
    const hbaNotes = result.findings.filter((f) => f.check.startsWith("access.pg_hba"));
    expect(hbaNotes.length).toBeGreaterThan(0);
    expect(result.passed.filter((t) => t.includes("pg_hba"))).toEqual([]);
  });
});

describe("wal_sender_timeout", () => {
  it.each([
    ["0", []],
    ["10000", []],
    ["300000", []],
    ["5000", ["blocker"]],
    ["9999", ["blocker"]],
    ["301000", ["warning"]],
  ])("GIVEN %s ms THEN %j", (value, severities) => {
    expect(of(withSetting(healthyFacts(), "wal_sender_timeout", value), "settings.wal_sender_timeout").map((f) => f.severity)).toEqual(severities);
  });
});

describe("max_wal_senders free capacity", () => {
  it("GIVEN 10 senders with 9 in use THEN a warning; with 10 in use THEN a blocker asking for 12 and a restart", () => {
    expect(of(healthyFacts({ walSendersInUse: 9 }), "settings.max_wal_senders").map((f) => f.severity)).toEqual(["warning"]);
    const [full] = of(healthyFacts({ walSendersInUse: 10 }), "settings.max_wal_senders");
    expect(full?.severity).toBe("blocker");
    expect(full?.fix).toContain("ALTER SYSTEM SET max_wal_senders = 12;");
    expect(full?.restartNeeded).toBe(true);
  });
});

describe("a change already waiting for a restart", () => {
  it("GIVEN wal_level=replica with a pending restart THEN the finding says so", () => {
    const facts = healthyFacts();
    facts.settings["wal_level"] = { setting: "replica", unit: null, context: "postmaster", pendingRestart: true };
    expect(of(facts, "settings.wal_level")[0]?.found).toBe("wal_level = replica (a changed value is already waiting for a restart)");
  });
});

describe("server version", () => {
  it("GIVEN PostgreSQL 18 THEN a warning that DMS does not list it; GIVEN 15 THEN only an info with the DMS engine", () => {
    expect(of(healthyFacts({ serverVersion: "18.1", serverVersionNum: 180001 }), "version.dms_source").map((f) => f.severity)).toEqual(["warning"]);
    const [info] = of(healthyFacts(), "version.dms_source");
    expect(info?.severity).toBe("info");
    expect(info?.title).toContain("DMS engine 3.5.1 or later");
  });

  it("GIVEN PostgreSQL 9.3 THEN a blocker", () => {
    expect(of(healthyFacts({ serverVersion: "9.3.25", serverVersionNum: 90325 }), "version.dms_source").map((f) => f.severity)).toEqual(["blocker"]);
  });

  it("GIVEN PostgreSQL 9.6 THEN the finding names its major as 9.6 (not 9.06)", () => {
    expect(of(healthyFacts({ serverVersion: "9.6.24", serverVersionNum: 90624 }), "version.dms_source")[0]?.title).toBe("PostgreSQL 9.6 is a supported DMS source");
  });

  it("GIVEN PostgreSQL 12 THEN the matching Aurora major is 13, never an older one", () => {
    expect(of(healthyFacts({ serverVersion: "12.20", serverVersionNum: 120020 }), "version.aurora_major")[0]?.title).toBe("Matching Aurora PostgreSQL major: 13");
  });

  it("GIVEN a standby THEN a blocker pointing at the primary; GIVEN a primary THEN quiet", () => {
    expect(of(healthyFacts({ inRecovery: true }), "version.primary").map((f) => f.severity)).toEqual(["blocker"]);
    expect(of(healthyFacts(), "version.primary")).toEqual([]);
  });
});

describe("LOB sizes", () => {
  it("GIVEN a 200 MB value THEN a warning for full LOB mode instead of the info", () => {
    const facts = healthyFacts({
      dataScan: { status: "done", lobMaxima: [{ schema: "public", table: "docs", column: "pdf", type: "bytea", maxBytes: 200 * 1024 ** 2 }], infinities: [], skippedTables: [] },
    });
    expect(of(facts, "lobs.largest").map((f) => f.severity)).toEqual(["warning"]);
  });
});

describe("pg_hba evaluation", () => {
  const rule = (lineNumber: number, databases: string[], users: string[], address: string, netmask: string, authMethod = "md5"): HbaRuleFact => ({
    lineNumber, type: "host", databases, users, address, netmask, authMethod, error: null,
  });
  const dms = parseCidr("10.0.12.34/32")!;
  const target = { database: "app", replication: false, user: "dms" };

  it("GIVEN 'all' databases THEN it does not admit a replication connection", () => {
    expect(evaluateHba([rule(1, ["all"], ["all"], "10.0.0.0", "255.0.0.0")], { ...target, replication: true }, dms).verdict).toBe("no-rule");
  });

  it("GIVEN a +group user line first THEN the verdict is uncertain, not a false blocker", () => {
    expect(evaluateHba([rule(1, ["all"], ["+dms_group"], "10.0.0.0", "255.0.0.0")], target, dms).verdict).toBe("uncertain");
  });

  it("GIVEN an IPv6 range containing the DMS address THEN allowed", () => {
    const v6 = parseCidr("fd00:1::5/128")!;
    expect(evaluateHba([rule(1, ["app"], ["dms"], "fd00:1::", "ffff:ffff:ffff:ffff::")], target, v6).verdict).toBe("allowed");
  });
});

describe("--dms-cidr", () => {
  it.each([
    ["10.0.12.34", { cidr: "10.0.12.34/32" }],
    ["10.0.12.0/24", { cidr: "10.0.12.0/24" }],
    ["fd00::1", { cidr: "fd00:0:0:0:0:0:0:1/128" }],
  ])("GIVEN %s THEN it is accepted as %j", (text, expected) => {
    expect(checkDmsCidr(text)).toEqual(expected);
  });

  it.each(["0.0.0.0/0", "::/0", "10.0.0.0/4", "not-an-ip", "10.0.0.1/33"])("GIVEN %s THEN it is refused", (text) => {
    expect(checkDmsCidr(text)).toHaveProperty("problem");
  });
});

describe("the pg_hba.conf lines proposed for DMS", () => {
  it.each([
    ["scram-sha-256", "scram-sha-256"],
    ["md5", "md5"],
    // Servers before 14 may say "on" (md5); unknown: md5, which accepts either stored form.
    ["on", "md5"],
    [undefined, "md5"],
  ])("GIVEN password_encryption %s THEN the lines' method is %s", (setting, method) => {
    expect(hbaAuthMethod(setting)).toBe(method);
  });

  it("GIVEN a server with password_encryption scram-sha-256 WHEN the lines are proposed THEN they use scram-sha-256, not md5", () => {
    const facts = withSetting(healthyFacts(), "password_encryption", "scram-sha-256");
    const [db] = of(facts, "access.pg_hba_database", { dmsCidr: "10.0.12.34/32" });
    expect(db?.fix).toMatch(/^host +app +postgres +10\.0\.12\.34\/32 +scram-sha-256$/m);
    expect(db?.fix).not.toMatch(/ md5$/m);
  });

  it("GIVEN odd names (a space, uppercase, a keyword, a double quote) THEN the fields are quoted as pg_hba.conf reads them, the replication keyword bare", () => {
    expect(hbaLine("Shop Data", "app", "10.0.12.34/32", "md5")).toMatch(/^host +"Shop Data" +app +10\.0\.12\.34\/32 +md5$/);
    expect(hbaLine("all", 'we"ird', "10.0.12.34/32", "md5")).toMatch(/^host +"all" +"we""ird" +/);
    expect(hbaLine("replication", "app", "10.0.12.34/32", "md5", true)).toMatch(/^host +replication +app +/);
    expect(hbaLine("replication", "app", "10.0.12.34/32", "md5")).toMatch(/^host +"replication" +app +/);
  });
});
