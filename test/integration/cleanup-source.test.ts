import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import type { CleanupDeps, CleanupOutcome } from "../../src/cleanup/deps.js";
import { RESOURCE_KIND, SLOT_RESOURCE_KEY } from "../../src/cleanup/kinds.js";
import { runCleanup } from "../../src/cleanup/run-cleanup.js";
import { BlockedError, ExitCode } from "../../src/errors.js";
import type { ResourceRecord } from "../../src/state/schema.js";
import { freshDatabase, sharedServerInfo, type TestDatabase } from "../support/databases.js";
import { dmsArtefactsSql } from "../support/dms-artefacts.js";
import { testContext, type TestContext } from "../support/step-context.js";

let source: TestDatabase;
let target: TestDatabase;
let slot: string;
let holder: ChildProcess | undefined;

beforeEach(async () => {
  source = await freshDatabase("source", "clean");
  target = await freshDatabase("target", "clean");
  slot = `dms_${randomBytes(4).toString("hex")}`;
  await source.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
  await source.sql(MARKER_DDL.join(";\n"));
  await target.sql(MARKER_DDL.join(";\n"));
});
afterEach(async () => {
  holder?.kill("SIGKILL");
  holder = undefined;
  await source.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", [slot]).catch(() => undefined);
  await source.drop();
  await target.drop();
});

/** The AWS side as a recording fake: each resource is there until deleted once. */
function fakeAws(): CleanupDeps & { calls: string[] } {
  const gone = new Set<string>();
  const calls: string[] = [];
  const op =
    (name: string) =>
    (r: ResourceRecord): Promise<CleanupOutcome> => {
      calls.push(`${name} ${r.id}`);
      if (gone.has(`${name} ${r.id}`)) return Promise.resolve("already-gone");
      gone.add(`${name} ${r.id}`);
      return Promise.resolve("done");
    };
  return { calls, stopTask: op("stopTask"), deleteTask: op("deleteTask"), deleteEndpoint: op("deleteEndpoint"), deleteInstance: op("deleteInstance"), revokeRule: op("revokeRule") };
}

function migratedContext(): TestContext {
  const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url });
  const res = (kind: string, id: string, createdByUs = true): ResourceRecord => ({ kind, id, createdByUs, recordedAt: "2026-01-01T00:00:00.000Z" });
  Object.assign(ctx.state.resources, {
    task: res(RESOURCE_KIND.task, "am-task"),
    "source-endpoint": res(RESOURCE_KIND.endpoint, "am-source"),
    "target-endpoint": res(RESOURCE_KIND.endpoint, "am-target"),
    instance: res(RESOURCE_KIND.instance, "am-instance"),
    "aurora-ingress": res(RESOURCE_KIND.securityGroupRule, "sgr-0abc"),
    cluster: res(RESOURCE_KIND.cluster, "app-aurora"),
    [SLOT_RESOURCE_KEY]: res(RESOURCE_KIND.slot, slot, false),
  });
  ctx.state.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", outcome: "switched" } };
  return ctx;
}

async function slotExists(): Promise<boolean> {
  return (await source.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot])).length > 0;
}

describe("cleanup", () => {
  it("GIVEN a switched migration WHEN cleanup runs THEN the task is stopped and deleted before its endpoints, instance and rule, the slot and marker schemas are dropped, and the cluster and old server remain", async () => {
    const ctx = migratedContext();
    const aws = fakeAws();
    const report = await runCleanup(ctx, aws);
    expect(aws.calls).toEqual(["stopTask am-task", "deleteTask am-task", "deleteEndpoint am-source", "deleteEndpoint am-target", "deleteInstance am-instance", "revokeRule sgr-0abc"]);
    expect(await slotExists()).toBe(false);
    expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
    expect(await target.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
    expect(report.remaining.join("\n")).toMatch(/Aurora cluster app-aurora/);
    expect(report.remaining.join("\n")).toMatch(new RegExp(`The old server postgres@127.0.0.1:${source.port}/${source.name}`));
  });

  it("GIVEN --keep-task and --keep-instance WHEN cleanup runs THEN the task is stopped but neither is deleted, and both are listed as remaining", async () => {
    const ctx = migratedContext();
    const aws = fakeAws();
    const report = await runCleanup(ctx, aws, { keepTask: true, keepInstance: true });
    expect(aws.calls).toEqual(["stopTask am-task", "deleteEndpoint am-source", "deleteEndpoint am-target", "revokeRule sgr-0abc"]);
    expect(report.remaining).toEqual(expect.arrayContaining(["DMS task am-task (--keep-task)", "DMS replication instance am-instance (--keep-instance)"]));
  });

  it("GIVEN the slot held active by a replication connection WHEN cleanup runs THEN it refuses with exit 3 naming the pid and the holder, and drops it once the holder is gone", async () => {
    const { binDir } = sharedServerInfo("source");
    const recv = join(binDir, "pg_recvlogical");
    holder = spawn(recv, ["-h", "127.0.0.1", "-p", String(source.port), "-U", "postgres", "-d", source.name, "--slot", slot, "--start", "-f", "/dev/null"], { stdio: "ignore" });
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i += 1) {
      const rows = await source.sql<{ pid: number | null }>("SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
      pid = rows[0]?.pid ?? undefined;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid).toBeDefined();

    const ctx = migratedContext();
    const err = await runCleanup(ctx, fakeAws()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).message).toContain(`pid ${pid}`);
    expect((err as BlockedError).message).toContain("pg_recvlogical");
    expect((err as BlockedError).hint).toMatch(/stop it/);
    expect(await slotExists()).toBe(true);

    holder.kill("SIGTERM");
    for (let i = 0; i < 200; i += 1) {
      const rows = await source.sql<{ active: boolean }>("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slot]);
      if (!rows[0]?.active) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await runCleanup(ctx, fakeAws());
    expect(report.done).toContain(`replication slot ${slot}`);
    expect(await slotExists()).toBe(false);
  });

  it("GIVEN DMS's DDL-capture objects in a schema of their own WHEN cleanup runs THEN the event trigger, function and audit table are gone and the schema stays", async () => {
    await source.sql(`CREATE SCHEMA dms_ddl; ${dmsArtefactsSql("dms_ddl")}`);
    await runCleanup(migratedContext(), fakeAws());
    const left = await source.sql<{ n: string }>(
      `SELECT (SELECT count(*) FROM pg_event_trigger WHERE evtname = 'awsdms_intercept_ddl')
            + (SELECT count(*) FROM pg_proc WHERE proname = 'awsdms_intercept_ddl')
            + (SELECT count(*) FROM pg_class WHERE relname = 'awsdms_ddl_audit') AS n`,
    );
    expect(left[0]?.n).toBe("0");
    expect(await source.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'dms_ddl'")).toHaveLength(1);
  });

  it("GIVEN a cleanup that already ran WHEN it runs again THEN nothing is called or dropped and it says everything is already gone", async () => {
    await source.sql(dmsArtefactsSql("public"));
    const ctx = migratedContext();
    await runCleanup(ctx, fakeAws());
    const aws = fakeAws();
    ctx.reporter.lines.length = 0;
    const second = await runCleanup(ctx, aws);
    expect(aws.calls).toEqual([]);
    expect(second.done).toEqual([]);
    expect(second.alreadyGone).toEqual(expect.arrayContaining([`replication slot ${slot}`, "DMS's DDL-capture objects on the source", "dms-task am-task (deleted " + String(ctx.state.resources["task"]?.["deletedAt"]) + ")"]));
    expect(ctx.reporter.text).toMatch(/Nothing left to clean up/);
  });
});
