import { describe, expect, it } from "vitest";
import { defaultBaseName, taskResourceId, validateAwsIdentifier, validateCidr, validateMasterPassword } from "../../../src/plan/aws-identifiers.js";
import { diagnoseConnectionFailure } from "../../../src/plan/connection-diagnosis.js";
import { eligibleEngineVersions } from "../../../src/plan/engine-version.js";
import { fallbackInstanceAdvice } from "../../../src/plan/instance-class-fallback.js";
import { planLobSettings } from "../../../src/plan/lob-sizing.js";
import { evaluateSync } from "../../../src/plan/sync-verdict.js";
import { buildTableMappings, literalPattern } from "../../../src/plan/table-mappings.js";
import { buildTaskSettings, missingRequiredSettings } from "../../../src/plan/task-settings.js";
import { fullLoadPhase } from "../../../src/plan/task-status.js";

describe("pure plans for the AWS side", () => {
  it("GIVEN any LOB plan WHEN task settings are built THEN TRUNCATE_BEFORE_LOAD, stop before cached changes, logging and no batch apply are all explicit", () => {
    const settings = buildTaskSettings({ lob: planLobSettings(1000).settings });
    expect(missingRequiredSettings(settings)).toEqual([]);
    expect(settings["FullLoadSettings"]).toMatchObject({ TargetTablePrepMode: "TRUNCATE_BEFORE_LOAD", StopTaskCachedChangesNotApplied: true, StopTaskCachedChangesApplied: false });
    expect(settings["TargetMetadata"]).toMatchObject({ BatchApplyEnabled: false, SupportLobs: true });
  });

  it("GIVEN a stored document where DMS fell back to DROP_AND_CREATE THEN the difference is named", () => {
    expect(missingRequiredSettings({ FullLoadSettings: { TargetTablePrepMode: "DROP_AND_CREATE", StopTaskCachedChangesNotApplied: true }, Logging: { EnableLogging: true } })).toEqual([
      'FullLoadSettings.TargetTablePrepMode is "DROP_AND_CREATE", expected "TRUNCATE_BEFORE_LOAD"',
    ]);
  });

  it("GIVEN measured LOB maxima WHEN sized THEN twice the maximum rounded up to a power of two KB, never below 32 KB, full LOB mode when huge or unknown", () => {
    expect(planLobSettings(0).settings.LobMaxSize).toBe(32);
    expect(planLobSettings(40_000).settings.LobMaxSize).toBe(128);
    expect(planLobSettings(60 * 1024 * 1024).settings).toMatchObject({ FullLobMode: true, LimitedSizeLobMode: false });
    expect(planLobSettings(undefined).settings.FullLobMode).toBe(true);
  });

  it("GIVEN schema names with DMS wildcard characters THEN they are matched literally, and the marker rule is explicit and appears once", () => {
    expect(literalPattern("app_data%")).toBe("app[_]data[%]");
    const { rules } = buildTableMappings(["public", "aurora_migrate", "public"], { schema: "aurora_migrate", table: "cutover_marker" });
    expect(rules.map((r) => `${r["rule-id"]}:${r["rule-action"]}:${r["object-locator"]["schema-name"]}.${r["object-locator"]["table-name"]}`)).toEqual([
      "1:include:public.%",
      "2:explicit:aurora_migrate.cutover_marker",
    ]);
  });

  it("GIVEN database sizes THEN the fallback advice grows with them and gives a reason", () => {
    expect(fallbackInstanceAdvice(2 * 1024 ** 3).instanceClass).toBe("dms.t3.medium");
    expect(fallbackInstanceAdvice(15 * 1024 ** 3)).toMatchObject({ instanceClass: "dms.c5.large", reason: expect.stringContaining("15 GB") as string });
    expect(fallbackInstanceAdvice(800 * 1024 ** 3).instanceClass).toBe("dms.c5.2xlarge");
  });

  it("GIVEN AWS naming rules THEN bad identifiers, passwords and wide CIDRs are refused with the rule", () => {
    expect(validateAwsIdentifier("prod-db")).toBeUndefined();
    expect(validateAwsIdentifier("prod--db")).toMatch(/two hyphens/);
    expect(validateAwsIdentifier("prod-")).toMatch(/end with a hyphen/);
    expect(validateAwsIdentifier("a".repeat(64))).toMatch(/1 to 63/);
    expect(validateMasterPassword("short")).toMatch(/8 to 41/);
    expect(validateMasterPassword("has@sign-123")).toMatch(/must not contain/);
    expect(validateCidr("0.0.0.0/0")).toMatch(/whole internet/);
    expect(validateCidr("10.0.0.5/32")).toBeUndefined();
    expect(defaultBaseName("My_Shop DB")).toBe("aurora-migrate-my-shop-db");
    expect(taskResourceId("arn:aws:dms:eu-west-1:123:task:ABCDEF")).toBe("ABCDEF");
  });

  it("GIVEN the region's versions and a PostgreSQL 14 source THEN only 14+ are offered and the newest 14 is proposed", () => {
    const v = (EngineVersion: string, Status = "available") => ({ EngineVersion, MajorEngineVersion: EngineVersion.split(".")[0], Status });
    const out = eligibleEngineVersions([v("13.9"), v("14.3"), v("14.10"), v("14.11", "deprecated"), v("16.2")], 14);
    expect(out).toEqual({ choices: ["16.2", "14.10", "14.3"], proposed: "14.10" });
  });

  it("GIVEN stop reasons THEN only the full-load token means done, matched inside DMS's prefix", () => {
    expect(fullLoadPhase({ Status: "stopped", StopReason: "Stop Reason STOPPED_AFTER_FULL_LOAD" }).kind).toBe("done");
    expect(fullLoadPhase({ Status: "stopped", StopReason: "Stop Reason NORMAL" }).kind).toBe("stopped");
    expect(fullLoadPhase({ Status: "ready" }).kind).toBe("never-started");
    expect(fullLoadPhase({ Status: "failed", LastFailureMessage: "boom" })).toEqual({ kind: "failed", message: "boom" });
  });

  it("GIVEN latency series with a gap in one metric THEN only periods with both values count, newest first", () => {
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    const source = { timestamps: [at(4), at(3), at(2), at(1)], values: [1, 2, 1, 50] };
    const target = { timestamps: [at(4), at(2), at(1)], values: [2, 2, 60] };
    const r = evaluateSync(source, target, 5, 2);
    expect(r).toMatchObject({ consecutiveUnder: 2, done: true, trend: "steady", latest: { source: 1, target: 2 } });
    expect(evaluateSync({ timestamps: [], values: [] }, { timestamps: [], values: [] }, 5, 2)).toMatchObject({ noData: true, done: false });
  });

  it("GIVEN a password refusal THEN the diagnosis is the password, not the network", () => {
    const d = diagnoseConnectionFailure({ role: "source", message: 'FATAL: password authentication failed for user "app"', instanceIps: ["10.0.0.9"], host: "db", port: 5432, user: "app", database: "shop" });
    expect(d).toMatch(/password for app was refused/);
  });
});
