import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppError } from "../../../src/core/errors.js";
import { fullLoadStep } from "../../../src/steps/full-load.js";
import { resumeTaskStep } from "../../../src/steps/resume-task.js";
import { syncWaitStep } from "../../../src/steps/sync-wait.js";
import { freshDatabase, type TestDatabase } from "../../support/databases.js";
import { FakeAws, type FakeAwsOptions } from "../../support/aws/fake-aws.js";
import { runUntil } from "../../support/aws/flow.js";
import { harness, sourceState } from "../../support/aws/harness.js";

let db: TestDatabase;
const slots: string[] = [];
beforeAll(async () => {
  db = await freshDatabase("source", "fl");
});
afterAll(async () => {
  for (const s of slots) await db.sql("SELECT pg_drop_replication_slot($1)", [s]).catch(() => undefined);
  await db.drop();
});

/** The fake DMS creates a real logical slot on the source when the task starts, as DMS does. */
function dmsLike(o: FakeAwsOptions = {}): FakeAws {
  return new FakeAws({
    onTaskStart: async () => {
      const name = `dms_slot_${slots.length}_${Date.now() % 100000}`;
      slots.push(name);
      await db.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [name]);
    },
    ...o,
  });
}

async function beforeFullLoad(fake: FakeAws, options: { verbose?: boolean } = {}, answers: Record<string, string> = {}) {
  const h = harness(fake, sourceState(db.url, db.name), { options, answers });
  await runUntil(h, "full-load");
  return h;
}

describe("step 8: full load", () => {
  it("GIVEN a ready task WHEN the full load runs THEN it starts with start-replication and ends on STOPPED_AFTER_FULL_LOAD, showing progress", async () => {
    const fake = dmsLike();
    const h = await beforeFullLoad(fake);
    await fullLoadStep.run(h.ctx);
    expect(fake.callsTo("startReplicationTask").map((c) => c.input["StartReplicationTaskType"])).toEqual(["start-replication"]);
    expect(h.reporter.text).toContain("Full load finished: 2 tables loaded");
    expect([...fake.tasks.values()][0]?.StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");
  });

  it("GIVEN DMS created a slot on the source at start WHEN the full load runs THEN that slot is recorded by name for cleanup", async () => {
    const fake = dmsLike();
    const h = await beforeFullLoad(fake);
    await fullLoadStep.run(h.ctx);
    expect(h.state.resources["replication-slot"]).toMatchObject({ kind: "replication-slot", id: slots[slots.length - 1], createdByUs: true, plugin: "test_decoding", database: db.name });
  });

  it("GIVEN the full load finished WHEN the step runs again (resume) THEN the task is not started a second time", async () => {
    const fake = dmsLike();
    const h = await beforeFullLoad(fake);
    await fullLoadStep.run(h.ctx);
    await fullLoadStep.run(h.ctx);
    expect(fake.callsTo("startReplicationTask")).toHaveLength(1);
  });

  it("GIVEN the task fails during the load WHEN the step ends THEN DMS's LastFailureMessage and the log lines are shown, and a rerun resumes with resume-processing", async () => {
    const fake = dmsLike({ fullLoadFailure: "Table 'public.events' load failed: out of disk", logLines: ["]E: Failed to write to file (disk full)"] });
    const h = await beforeFullLoad(fake);
    const err = (await fullLoadStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("failed during the full load: Table 'public.events' load failed: out of disk");
    expect(err.details.join("\n")).toContain("Failed to write to file (disk full)");
    await fullLoadStep.run(h.ctx);
    expect(fake.callsTo("startReplicationTask").map((c) => c.input["StartReplicationTaskType"])).toEqual(["start-replication", "resume-processing"]);
  });

  it("GIVEN the task loads WHEN the wait shows progress THEN a bar with DMS's percent, the tables and the rows, and no ETA before a second reading", async () => {
    const fake = dmsLike();
    const h = await beforeFullLoad(fake);
    const lines: string[] = [];
    const spinner = h.ctx.reporter.spinner.bind(h.ctx.reporter);
    h.ctx.reporter.spinner = (t) => {
      const s = spinner(t);
      return { ...s, update: (x: string) => (lines.push(x), s.update(x)) };
    };
    await fullLoadStep.run(h.ctx);
    expect(lines[0]).toBe("[░░░░░░░░░░] 0%  tables 0/2 (1 loading, 1 queued) · rows 3 · ETA —");
    expect(lines[1]).toMatch(/^\[█████░░░░░\] 50% {2}tables 1\/2 \(1 loading\) · rows 3\/6 · 0 rows\/s · ~0 bytes\/s \(est\.\) · ETA /);
    expect(h.reporter.text).toContain("Full load finished: 2 tables loaded (3 rows)");
    expect((h.ctx.state.outputs["full-load"] as { progress?: { tablesTotal: number } }).progress?.tablesTotal).toBe(2);
  });

  it("GIVEN --verbose WHEN the full load runs THEN per-table statistics are shown", async () => {
    const fake = dmsLike();
    const h = await beforeFullLoad(fake, { verbose: true });
    await fullLoadStep.run(h.ctx);
    expect(h.reporter.text).toContain("public.accounts: Table completed, 3 rows");
  });
});

describe("step 10: resume", () => {
  it("GIVEN the task stopped after the full load WHEN resumed THEN the second start is resume-processing and the step waits for running", async () => {
    const fake = dmsLike();
    const h = await beforeFullLoad(fake);
    await fullLoadStep.run(h.ctx);
    await resumeTaskStep.run(h.ctx);
    expect(fake.callsTo("startReplicationTask").map((c) => c.input["StartReplicationTaskType"])).toEqual(["start-replication", "resume-processing"]);
    expect([...fake.tasks.values()][0]?.Status).toBe("running");
  });
});

describe("step 11: sync wait", () => {
  async function running(o: FakeAwsOptions, answers: Record<string, string> = {}) {
    const fake = dmsLike(o);
    const h = await beforeFullLoad(fake, {}, answers);
    await fullLoadStep.run(h.ctx);
    await resumeTaskStep.run(h.ctx);
    return { fake, h };
  }

  it("GIVEN the task runs WHEN latency is queried THEN both metrics carry both dimensions: the instance id in lowercase and the task ARN's last segment", async () => {
    const { fake, h } = await running({ latency: [{ source: 1, target: 2 }, { source: 1, target: 1 }, { source: 0, target: 1 }] }, { "dms.instance.id": "Shop-DMS" });
    await syncWaitStep.run(h.ctx);
    const query = fake.callsTo("getMetricData")[0]?.input as { MetricDataQueries: { MetricStat: { Metric: { MetricName: string; Dimensions: unknown } } }[] };
    const taskArn = [...fake.tasks.values()][0]?.ReplicationTaskArn ?? "";
    expect(query.MetricDataQueries.map((q) => q.MetricStat.Metric.MetricName)).toEqual(["CDCLatencySource", "CDCLatencyTarget"]);
    for (const q of query.MetricDataQueries) {
      expect(q.MetricStat.Metric.Dimensions).toEqual([
        { Name: "ReplicationInstanceIdentifier", Value: "shop-dms" },
        { Name: "ReplicationTaskIdentifier", Value: taskArn.split(":").pop() },
      ]);
    }
  });

  it("GIVEN latency falls under the threshold WHEN it stays there for N periods THEN the step ends, after a note while there were no datapoints", async () => {
    const { fake, h } = await running({
      latency: [null, { source: 40, target: 90 }, { source: 3, target: 4 }, { source: 2, target: 3 }, { source: 1, target: 2 }, { source: 9, target: 9 }],
    });
    const outcome = await syncWaitStep.run(h.ctx);
    // Default: at most 5 s for 3 consecutive periods → done at the 5th reading, never reaching the 6th.
    expect(fake.callsTo("getMetricData")).toHaveLength(5);
    expect(outcome?.summary).toBe("latency source 1 s, target 2 s");
  });

  it("GIVEN no datapoint exists yet WHEN the line is shown THEN it says so instead of reporting zero", async () => {
    const { h } = await running({ latency: [null, null, { source: 1, target: 1 }, { source: 1, target: 1 }, { source: 1, target: 1 }] });
    const lines: string[] = [];
    const spinner = h.ctx.reporter.spinner.bind(h.ctx.reporter);
    h.ctx.reporter.spinner = (t) => {
      const s = spinner(t);
      return { ...s, update: (x: string) => (lines.push(x), s.update(x)) };
    };
    await syncWaitStep.run(h.ctx);
    expect(lines[0]).toContain("No CDC latency datapoints yet");
    expect(lines[lines.length - 1]).toContain("3/3 periods under 5 s");
  });
});
