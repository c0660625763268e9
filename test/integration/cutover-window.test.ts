import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { cutoverOutput } from "../../src/migration/cutover/output.js";
import { runCutover } from "../../src/migration/cutover/run-cutover.js";
import { BlockedError, ExitCode, InterruptedError, OperationError } from "../../src/core/errors.js";
import { runSteps } from "../../src/wizard/runner.js";
import { cutoverStep } from "../../src/steps/cutover.js";
import type { TestDatabase } from "../support/databases.js";
import type { PgServer } from "../support/pg-server.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { seedMigration } from "../support/aws/seed.js";
import { useCutoverWorld } from "../support/cutover-world.js";
import { canConnect } from "../support/cutover-e2e.js";
import { type TestContext, UNWRITABLE_STATE_PATH, testContext } from "../support/step-context.js";

// The source is a server of its own (the freeze changes server-wide roles), a logical-replication
// subscription carries changes to the target as DMS's CDC would (support/cutover-world.ts).
let source: PgServer;
let target: TestDatabase;
let db: string;
let dir: string;
useCutoverWorld("cutover-window", "win", (w) => ({ source, target, db, dir } = w), { seedRows: 20 });

function context(switchHook: string, config: Record<string, string | number | boolean | string[]> = {}, signal?: AbortSignal): Promise<TestContext> {
  return (async () => {
    const fake = new FakeAws({ latency: [{ source: 1, target: 2 }] });
    const seeded = await seedMigration(fake);
    const ctx = testContext({
      sourceUrl: source.url(db),
      targetUrl: target.url,
      aws: fake,
      ...(signal ? { signal } : {}),
      config: { "cutover.freezeRoles": ["shop"], "cutover.switchHook": switchHook, "cutover.drainTimeoutSeconds": 30, ...config },
    });
    ctx.state.outputs["dms-task"] = seeded.task;
    return ctx;
  })();
}

function shopCanConnect(): Promise<boolean> {
  return canConnect({ connectionString: source.url(db, "shop") });
}

/** True while any process of the group the hook's shell led (its pid, written by the hook) is alive. */
function groupAlive(pidFile: string): boolean {
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the cutover's write window", () => {
  it("GIVEN a switch hook that writes on the target as the app would WHEN the cutover switches THEN the exact count runs only after the hook, against the target as of the drain, and the window is broken down phase by phase", async () => {
    const ctx = await context(`psql -q "$DATABASE_URL" -c "INSERT INTO orders (note) VALUES ('written by the app on the target')"`);
    const deps = cutoverDepsFor(ctx);
    let counts = 0;
    const report = await runCutover(ctx, { ...deps, rowCounts: () => ((counts += 1), deps.rowCounts()) });
    expect(report?.outcome).toBe("switched");
    // Only the tolerant count before the freeze goes through the counting dependency; none inside the window.
    expect(counts).toBe(1);
    expect(report?.rowCounts).toBeUndefined();
    const w = report!.window!;
    for (const phase of [w.freezeMs, w.drainMs, w.keyChangesMs, w.sequencesMs, w.hookMs, w.totalMs]) expect(phase).toBeGreaterThanOrEqual(0);
    expect(w.totalMs).toBeGreaterThanOrEqual(w.freezeMs + w.drainMs! + w.keyChangesMs! + w.sequencesMs! + w.hookMs!);
    // After the switch, and blind to the row the "app" wrote on the target since the drain.
    expect((await target.sql<{ n: string }>("SELECT count(*) AS n FROM orders"))[0]?.n).toBe("21");
    expect(report?.verification).toMatchObject({ mode: "counts", result: "equal", tables: 1, differences: [] });
    expect(Date.parse(report!.verification!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(report!.switchedAt!));
    // The switch was saved as started, and not finished, before the hook ran.
    const started = ctx.saves.findIndex((s) => cutoverOutput({ state: structuredClone(s) }).switch?.startedAt !== undefined);
    expect(started).toBeGreaterThan(-1);
    expect(cutoverOutput({ state: structuredClone(ctx.saves[started]!) }).switch?.finishedAt).toBeUndefined();
    expect(ctx.reporter.text).toMatch(/The write window, phase by phase: freeze \d+ ms, drain \d+ ms, key-change repair \d+ ms, sequence sync \d+ ms, switch hook \d+ ms\./);
  });

  it("GIVEN a row missing on the target (within the tolerance before the freeze) WHEN the cutover switches THEN the check after the switch names the table with exit 3, says the app is already on the target and how to go back, and the source stays frozen", async () => {
    await target.sql("DELETE FROM orders WHERE id = 7");
    const ctx = await context(`touch ${dir}/switched`, { "cutover.verify": "checksum" });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).details).toEqual(["- public.orders: source 20 rows, target 19"]);
    expect((err as BlockedError).hint).toMatch(/already on the target/);
    expect((err as BlockedError).hint).toContain(`point the app at the source again, then run \`aurora-migrate cutover --state ${UNWRITABLE_STATE_PATH} --unfreeze\``);
    expect(existsSync(join(dir, "switched"))).toBe(true);
    const report = cutoverOutput(ctx).report;
    expect(report?.outcome).toBe("switched");
    expect(report?.verification).toMatchObject({ mode: "checksum", result: "differ", differences: ["public.orders: source 20 rows, target 19"] });
    expect(await shopCanConnect()).toBe(false);
  });

  it("GIVEN a freeze hook that hangs WHEN its time limit passes THEN its whole process group is ended, the unfreeze hook runs, and the cutover fails with the freeze recorded as lifted", async () => {
    const ctx = await context(`touch ${dir}/switched`, {
      "cutover.freezeMethod": "hook",
      "cutover.freezeHook": `echo $$ > ${dir}/freeze.pid; sleep 60 & sleep 60`,
      "cutover.unfreezeHook": `touch ${dir}/unfrozen`,
      "cutover.hookTimeoutSeconds": 1,
    });
    const started = Date.now();
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/The freeze hook .* did not finish within 1 s/);
    expect((err as OperationError).hint).toMatch(/freeze was lifted/);
    expect(groupAlive(join(dir, "freeze.pid"))).toBe(false);
    expect(existsSync(join(dir, "unfrozen"))).toBe(true);
    expect(existsSync(join(dir, "switched"))).toBe(false);
    expect(cutoverOutput(ctx).freeze?.status).toBe("lifted");
    expect(cutoverOutput(ctx).report?.outcome).toBe("rolled-back");
  });

  it("GIVEN a switch hook that hangs WHEN its time limit passes THEN its process group is ended, the freeze is kept with the two ways out, a new run does not lift it, and --switched finishes the cutover", async () => {
    const ctx = await context(`echo $$ > ${dir}/switch.pid; sleep 60`, { "cutover.hookTimeoutSeconds": 1 });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/may already have been switched to the target, so the write freeze on the source was NOT lifted/);
    expect((err as OperationError).details.join("\n")).toMatch(/did not finish within 1 s/);
    expect((err as OperationError).hint).toMatch(/--switched/);
    expect((err as OperationError).hint).toMatch(/--unfreeze/);
    expect(groupAlive(join(dir, "switch.pid"))).toBe(false);
    expect(await shopCanConnect()).toBe(false);
    const out = cutoverOutput(ctx);
    expect(out.freeze?.status).toBe("applied");
    expect(out.switch?.startedAt).toBeDefined();
    expect(out.switch?.finishedAt).toBeUndefined();

    // Run again (under --yes): it never assumes, and never lifts the freeze by itself.
    const again = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(BlockedError);
    expect((again as BlockedError).hint).toMatch(/the app may already be writing on the target/);
    expect(await shopCanConnect()).toBe(false);

    const done = await runCutover(ctx, cutoverDepsFor(ctx), { switched: true });
    expect(done?.outcome).toBe("switched");
    expect(cutoverOutput(ctx).switch?.confirmedByUser).toBe(true);
    expect(await shopCanConnect()).toBe(false);
  });

  it("GIVEN the marker never arrives WHEN Ctrl-C comes during the wait THEN the runner waits while the freeze is lifted, and the step ends interrupted with the freeze recorded as lifted", async () => {
    await target.sql(`ALTER SUBSCRIPTION sub_${target.name} DISABLE`);
    const controller = new AbortController();
    const ctx = await context(`touch ${dir}/switched`, {}, controller.signal);
    const run = runSteps([cutoverStep(cutoverDepsFor)], ctx, { resumeCommand: "aurora-migrate cutover" }).catch((e: unknown) => e);
    // The marker is recorded once written: the wait for it has begun.
    for (let i = 0; i < 400 && !cutoverOutput(ctx).marker; i += 1) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 200));
    expect(await shopCanConnect()).toBe(false);
    controller.abort();
    const err = await run;
    // Checked the moment the step gives up: nothing may still be running behind it.
    expect(cutoverOutput(ctx).freeze?.status).toBe("lifted");
    expect(await shopCanConnect()).toBe(true);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as InterruptedError).exitCode).toBe(ExitCode.interrupted);
    expect((err as InterruptedError).hint).toMatch(/freeze was lifted/);
    expect(ctx.state.steps["cutover"]?.status).toBe("interrupted");
    expect(cutoverOutput(ctx).freeze?.status).toBe("lifted");
    expect(existsSync(join(dir, "switched"))).toBe(false);
    await target.sql(`ALTER SUBSCRIPTION sub_${target.name} ENABLE`);
  });
});
