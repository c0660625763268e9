import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../../src/core/errors.js";
import { readOutput, requireOutput, writeOutput } from "../../src/migration/outputs/read.js";
import { OUTPUTS, STEPS_WITHOUT_OUTPUT } from "../../src/migration/outputs/registry.js";
import { newState, type MigrationState } from "../../src/state/schema.js";
import { writeStateAtomic } from "../../src/state/store.js";
import { WIZARD_STEPS } from "../../src/wizard/steps.js";
import { runMain } from "../support/in-process-cli.js";

const dmsTask = { taskId: "shop-task", taskArn: "arn:aws:dms:eu-west-1:1:task:T", taskResourceId: "T", instanceId: "shop-dms", schemas: ["public"] };

/** A migration through step 6 whose recorded DMS task is not what this version wrote. */
async function foreignTaskState(): Promise<{ statePath: string; before: Buffer }> {
  const statePath = join(mkdtempSync(join(tmpdir(), "am-outputs-")), "m.state.json");
  const state = newState("aurora-migrate@test", new Date("2026-05-01T10:00:00Z"));
  state.answers["source.url"] = "postgres://app@127.0.0.1:1/shop";
  for (const id of ["source-connection", "source-preflight", "aurora-cluster", "replication-instance", "dms-endpoints", "dms-task"]) {
    state.steps[id] = { status: "done", attempts: 1, findings: [] };
  }
  state.outputs["dms-task"] = { taskId: "shop-task", taskArn: 42 };
  await writeStateAtomic(statePath, state);
  return { statePath, before: readFileSync(statePath) };
}

describe("step outputs: one registry, every read checked", () => {
  it("GIVEN every wizard step WHEN the registry is read THEN each step either declares the outputs it writes or is listed as writing none", () => {
    const writers = new Set<string>(Object.values(OUTPUTS).map((o) => o.writtenBy));
    for (const step of WIZARD_STEPS) {
      const declared = writers.has(step.id);
      const none = STEPS_WITHOUT_OUTPUT.includes(step.id);
      expect(declared !== none, `step "${step.id}": ${declared ? "declares outputs and is listed as writing none" : "neither declares outputs nor is listed as writing none"}`).toBe(true);
    }
    const ids = new Set(WIZARD_STEPS.map((s) => s.id));
    for (const [key, entry] of Object.entries(OUTPUTS)) expect(ids.has(entry.writtenBy), `outputs["${key}"] names no wizard step`).toBe(true);
  });

  it("GIVEN the sources WHEN searched THEN only the registry's reader and writer touch state.outputs entries", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(join("outputs", "read.ts"))) {
          const text = readFileSync(p, "utf8");
          if (/outputs\[[^\]]+\]\s*=[^=]|\.outputs\[|\boutput as\b/.test(text.replace(/^\s*(\/\/|\*|\/\*).*$/gm, ""))) offenders.push(p);
        }
      }
    };
    walk(join(import.meta.dirname, "../../src"));
    expect(offenders).toEqual([]);
  });

  it("GIVEN an output of the wrong shape WHEN read THEN a UsageError (exit 2) names the step and the state file", () => {
    const state: MigrationState = newState("aurora-migrate@test", new Date());
    state.outputs["dms-task"] = { taskArn: 42 };
    const err = (() => {
      try {
        readOutput({ state, options: { statePath: "/tmp/x.state.json" } }, "dms-task");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
    expect((err as UsageError).message).toContain('step "dms-task"');
    expect((err as UsageError).message).toContain("/tmp/x.state.json");
    expect((err as UsageError).details.join("\n")).toContain("taskArn");
  });

  it("GIVEN no output yet WHEN required THEN it says which step must run first; a written one reads back typed", () => {
    const place = { state: newState("aurora-migrate@test", new Date()) };
    expect(() => requireOutput(place, "dms-task", "The DMS task")).toThrow(/The DMS task is not recorded yet \(step "dms-task"\)/);
    writeOutput(place, "dms-task", dmsTask);
    expect(requireOutput(place, "dms-task", "The DMS task").taskArn).toBe(dmsTask.taskArn);
  });

  it("GIVEN dry-run placeholders WHEN written THEN the schemas accept them", () => {
    const place = { state: newState("aurora-migrate@test", new Date()) };
    writeOutput(place, "dms-task", { ...dmsTask, taskArn: "<task ARN>", taskResourceId: "<task ARN>", taskId: "?" });
    writeOutput(place, "replication-instance", { instanceId: "x", instanceArn: "<replication instance ARN>", instanceClass: "?", publiclyAccessible: false, sourceFacingIps: ["<address of the replication instance>"], securityGroupId: "<security group of the replication instance>" });
    expect(readOutput(place, "replication-instance")?.instanceArn).toBe("<replication instance ARN>");
  });

  it("GIVEN a state file whose recorded DMS task has the wrong shape WHEN resume runs THEN it stops with exit 2 naming the step and the file, and leaves the file untouched", async () => {
    const { statePath, before } = await foreignTaskState();
    const run = await runMain(["resume", "--state", statePath, "--yes"]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('The output of step "dms-task"');
    expect(run.stderr).toContain(statePath);
    expect(readFileSync(statePath).equals(before)).toBe(true);
  });

  it("GIVEN a state file whose recorded DMS task has the wrong shape WHEN status runs THEN it stops with exit 2 naming the step", async () => {
    const { statePath } = await foreignTaskState();
    const run = await runMain(["status", "--state", statePath]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('The output of step "dms-task"');
    expect(run.stderr).toContain("taskArn");
  });
});
