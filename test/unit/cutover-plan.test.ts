import { describe, expect, it } from "vitest";
import { type FreezeFacts, type RoleFact, applySql, defaultFreezeRoles, planFreeze, undoSql } from "../../src/migration/cutover/freeze-plan.js";
import { cutoverVerdict } from "../../src/migration/cutover/preconditions.js";
import { reportLines, rolledBackReport, switchedReport } from "../../src/migration/cutover/report.js";

const role = (name: string, over: Partial<RoleFact> = {}): RoleFact => ({
  name,
  canLogin: true,
  superuser: false,
  replication: false,
  canConnect: true,
  connectVia: ["public"],
  readOnlyInDatabase: null,
  ...over,
});

const facts = (over: Partial<FreezeFacts> = {}): FreezeFacts => ({
  database: "shop",
  toolRole: "migrator",
  toolIsSuperuser: false,
  toolCanGrant: true,
  toolCanAlterRoles: true,
  connectAcl: [{ grantee: "public", grantable: false }, { grantee: "owner", grantable: false }],
  roles: [role("migrator"), role("app"), role("dms", { replication: true }), role("owner", { connectVia: ["owner", "public"] }), role("admin", { superuser: true })],
  ...over,
});

describe("freeze plan", () => {
  it("GIVEN the app connects through PUBLIC WHEN planned THEN roles that keep access through PUBLIC alone get their own grant before PUBLIC loses it", () => {
    const plan = planFreeze(facts(), ["app"]);
    expect(plan.problems).toEqual([]);
    expect(plan.changes).toEqual([
      { kind: "read-only-default", role: "app", previous: null },
      { kind: "grant-connect", grantee: "migrator" },
      { kind: "grant-connect", grantee: "dms" },
      { kind: "revoke-connect", grantee: "public", grantable: false },
    ]);
  });

  it("GIVEN a tool login that neither owns the database nor may alter roles WHEN planned THEN it is refused with what to do", () => {
    const plan = planFreeze(facts({ toolCanGrant: false, toolCanAlterRoles: false }), ["app"]);
    expect(plan.problems.join("\n")).toMatch(/can neither revoke CONNECT.*nor set it NOLOGIN.*freeze hook/);
  });

  it("GIVEN the tool's own login or an unknown role chosen WHEN planned THEN each is a problem", () => {
    const plan = planFreeze(facts(), ["migrator", "ghost"]);
    expect(plan.problems).toHaveLength(2);
    expect(plan.problems.join("\n")).toMatch(/tool's own login/);
    expect(plan.problems.join("\n")).toMatch(/"ghost" does not exist/);
  });

  it("GIVEN a superuser app role and a tool that is not one WHEN planned THEN it is refused (only a superuser can set it NOLOGIN)", () => {
    const plan = planFreeze(facts(), ["admin"]);
    expect(plan.problems.join("\n")).toMatch(/"admin" is a superuser/);
  });

  it("GIVEN the roles THEN the default freeze leaves out the tool, REPLICATION roles and superusers", () => {
    expect(defaultFreezeRoles(facts())).toEqual(["app", "owner"]);
  });

  it("GIVEN each kind of change THEN its undo restores the previous state, quoting names", () => {
    expect(undoSql({ kind: "read-only-default", role: 'we"ird', previous: "off" }, "shop")).toBe(`ALTER ROLE "we""ird" IN DATABASE "shop" SET default_transaction_read_only = 'off'`);
    expect(undoSql({ kind: "revoke-connect", grantee: "owner", grantable: true }, "shop")).toBe(`GRANT CONNECT ON DATABASE "shop" TO "owner" WITH GRANT OPTION`);
    expect(applySql({ kind: "revoke-connect", grantee: "public", grantable: false }, "shop")).toBe(`REVOKE CONNECT ON DATABASE "shop" FROM PUBLIC`);
  });
});

describe("cutover readiness", () => {
  it("GIVEN a stopped task, no latency data, differing row counts and no marker table THEN every problem is listed", () => {
    const v = cutoverVerdict({ taskStatus: "stopped", cdcLatencySeconds: undefined, latencyThresholdSeconds: 10, rowCounts: [{ table: "app.orders", source: 5000, target: 0 }], markerTableOnTarget: false });
    expect(v.ready).toBe(false);
    expect(v.problems).toHaveLength(4);
  });

  it("GIVEN a running task under the threshold and validation skipped explicitly THEN it is ready and says validation was skipped", () => {
    const v = cutoverVerdict({ taskStatus: "running", cdcLatencySeconds: 3, latencyThresholdSeconds: 10, rowCounts: "skipped", markerTableOnTarget: true });
    expect(v).toEqual({ ready: true, problems: [], notes: ["Row-count validation skipped at your request."] });
  });
});

describe("cutover report", () => {
  it("GIVEN the three moments THEN the window runs from the freeze to the end of the switch hook", () => {
    const window = { freezeMs: 20, drainMs: 1230, keyChangesMs: 5, sequencesMs: 45, hookMs: 3200, totalMs: 4500 };
    const r = switchedReport({ frozeAt: "2026-01-01T10:00:00.000Z", drainedAt: "2026-01-01T10:00:01.250Z", switchedAt: "2026-01-01T10:00:04.500Z", sequences: "3 moved", window });
    expect(r.windowSeconds).toBe(4.5);
    expect(r.drainSeconds).toBe(1.25);
    expect(reportLines(r)).toContain("Writes were unavailable for 4.5 s.");
    expect(reportLines(r)).toContain("The write window, phase by phase: freeze 20 ms, drain 1230 ms, key-change repair 5 ms, sequence sync 45 ms, switch hook 3200 ms.");
  });

  it("GIVEN a rollback THEN the report says the freeze was lifted and the source takes writes again", () => {
    const lines = reportLines(rolledBackReport("2026-01-01T10:00:00.000Z", "2026-01-01T10:00:02.000Z", "hook exited 1"));
    expect(lines.join("\n")).toMatch(/Rolled back: hook exited 1\nThe freeze was lifted after 2 s; the source takes writes again/);
  });
});
