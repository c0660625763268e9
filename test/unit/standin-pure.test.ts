import { describe, expect, it } from "vitest";
import { WalPositionHistory, parseLsn } from "../../src/standin/cdc-latency.js";
import type { TableRecord, TaskRecord } from "../../src/standin/task-record.js";
import { parseTaskSettings } from "../../src/standin/task-settings.js";
import { fullLoadProgressPercent, replicationTaskStats, tableStatistics } from "../../src/standin/task-stats.js";
import { planRecovery, planStart } from "../../src/standin/task-transitions.js";

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe("CDC latency from WAL positions", () => {
  it("GIVEN LSNs THEN they compare as positions, high word first", () => {
    expect(parseLsn("1/0") > parseLsn("0/FFFFFFFF")).toBe(true);
    expect(parseLsn("16/B374D848")).toBe((0x16n << 32n) + 0xb374d848n);
  });

  it("GIVEN the subscriber stuck at a position WHEN the WAL moves on THEN the age counts from when the WAL first went past it", () => {
    const h = new WalPositionHistory();
    h.record(at(0), "0/100");
    h.record(at(1), "0/200");
    h.record(at(2), "0/300");
    expect(h.ageSeconds("0/100", at(10))).toBe(9);
    expect(h.ageSeconds("0/250", at(10))).toBe(8);
  });

  it("GIVEN the subscriber at or past the WAL's end THEN the latency is 0", () => {
    const h = new WalPositionHistory();
    h.record(at(0), "0/100");
    h.record(at(5), "0/300");
    expect(h.ageSeconds("0/300", at(9))).toBe(0);
    expect(h.ageSeconds("0/400", at(9))).toBe(0);
  });

  it("GIVEN the WAL standing still between samples THEN the older sample says when it got there", () => {
    const h = new WalPositionHistory();
    h.record(at(0), "0/100");
    h.record(at(1), "0/200");
    h.record(at(6), "0/200");
    expect(h.ageSeconds("0/100", at(7))).toBe(6);
  });
});

describe("DMS task settings the stand-in reads", () => {
  it("GIVEN the product's settings document THEN prep mode, stop-before-cached-changes and sub-tasks are read", () => {
    const json = JSON.stringify({ FullLoadSettings: { TargetTablePrepMode: "TRUNCATE_BEFORE_LOAD", StopTaskCachedChangesNotApplied: true, MaxFullLoadSubTasks: 4 }, Logging: {} });
    expect(parseTaskSettings(json)).toEqual({ targetTablePrepMode: "TRUNCATE_BEFORE_LOAD", stopTaskCachedChangesNotApplied: true, maxFullLoadSubTasks: 4 });
  });

  it("GIVEN no TargetTablePrepMode THEN DMS's default DROP_AND_CREATE is refused, since the stand-in never drops tables", () => {
    expect(() => parseTaskSettings(JSON.stringify({ FullLoadSettings: {} }))).toThrow(/DROP_AND_CREATE.*not supported/);
  });

  it("GIVEN MaxFullLoadSubTasks out of DMS's range THEN it is refused", () => {
    expect(() => parseTaskSettings(JSON.stringify({ FullLoadSettings: { TargetTablePrepMode: "DO_NOTHING", MaxFullLoadSubTasks: 50 } }))).toThrow(/1 to 49/);
  });
});

function table(name: string, state: TableRecord["state"], rows: number, estimated: number, weight: number): TableRecord {
  return { schema: "app", table: name, state, fullLoadRows: rows, estimatedRows: estimated, weight, reloaded: false };
}

describe("DMS-shaped task statistics", () => {
  it("GIVEN one big table done and a small one half loaded THEN the percentage weighs tables by size and never says 100 before the end", () => {
    expect(fullLoadProgressPercent([table("big", "Table completed", 900, 900, 900), table("small", "Full load", 50, 100, 100)])).toBe(95);
    expect(fullLoadProgressPercent([table("a", "Full load", 500, 100, 100)])).toBe(99);
    expect(fullLoadProgressPercent([table("a", "Table completed", 1, 1, 1), table("b", "Table completed", 1, 1, 1)])).toBe(100);
  });

  it("GIVEN tables in every state THEN ReplicationTaskStats counts them as DMS does", () => {
    const record: TaskRecord = {
      version: 1,
      taskId: "t",
      status: "running",
      phase: "full-load",
      everStarted: true,
      createdAt: at(0).toISOString(),
      startDate: at(10).toISOString(),
      publications: [],
      tables: [table("a", "Table completed", 1, 1, 1), table("b", "Full load", 0, 1, 1), table("c", "Before load", 0, 1, 1), table("d", "Before load", 0, 1, 1)],
    };
    expect(replicationTaskStats(record, at(15))).toMatchObject({ TablesLoaded: 1, TablesLoading: 1, TablesQueued: 2, TablesErrored: 0, ElapsedTimeMillis: 5000, StartDate: at(10) });
  });

  it("GIVEN a CDC baseline THEN Inserts/Updates/Deletes are the target counters' growth since it", () => {
    const record = { tables: [table("a", "Table completed", 10, 10, 1)], cdcBaseline: { "app.a": { inserts: 10, updates: 0, deletes: 0 } } } as unknown as TaskRecord;
    const stats = tableStatistics(record, new Map([["app.a", { inserts: 15, updates: 2, deletes: 1 }]]));
    expect(stats[0]).toMatchObject({ SchemaName: "app", TableName: "a", FullLoadRows: 10, Inserts: 5, Updates: 2, Deletes: 1, TableState: "Table completed" });
  });
});

describe("which work a task request or a restart leads to", () => {
  const record = (patch: Partial<TaskRecord>): TaskRecord => ({
    version: 1,
    taskId: "t",
    status: "ready",
    phase: "new",
    everStarted: false,
    createdAt: at(0).toISOString(),
    publications: [],
    tables: [],
    ...patch,
  });

  it("GIVEN a ready task THEN start-replication runs the full load, and resume-processing is refused as on DMS", () => {
    expect(planStart(record({}), "start-replication", "t")).toBe("full-load");
    expect(() => planStart(record({}), "resume-processing", "t")).toThrow(expect.objectContaining({ name: "InvalidResourceStateFault" }));
  });

  it("GIVEN a task that ran before THEN start-replication is refused and names the start types to use", () => {
    expect(() => planStart(record({ status: "stopped", everStarted: true, phase: "loaded" }), "start-replication", "t")).toThrow(/resume-processing or reload-target/);
  });

  it("GIVEN a task stopped after its full load THEN resume-processing applies the cached changes; reload-target loads again", () => {
    const stopped = record({ status: "stopped", everStarted: true, phase: "loaded" });
    expect(planStart(stopped, "resume-processing", "t")).toBe("cdc");
    expect(planStart(stopped, "reload-target", "t")).toBe("full-load");
  });

  it("GIVEN a task stopped in the middle of its full load THEN resume-processing loads again from a fresh snapshot", () => {
    expect(planStart(record({ status: "stopped", everStarted: true, phase: "full-load" }), "resume-processing", "t")).toBe("full-load");
  });

  it("GIVEN a running task THEN no start type is accepted", () => {
    for (const type of ["start-replication", "resume-processing", "reload-target"] as const) {
      expect(() => planStart(record({ status: "running", everStarted: true, phase: "cdc" }), type, "t")).toThrow(/cannot be started/);
    }
  });

  it("GIVEN a cdc task (reads an existing slot) THEN start-replication starts it from the slot once, resume-processing continues, reload-target is refused", () => {
    const cdc = (patch: Partial<TaskRecord>) => record({ migrationType: "cdc", ...patch });
    expect(planStart(cdc({}), "start-replication", "t")).toBe("cdc-from-slot");
    expect(() => planStart(cdc({}), "resume-processing", "t")).toThrow(/it is ready/);
    expect(() => planStart(cdc({}), "reload-target", "t")).toThrow(/no full load to reload/);
    expect(() => planStart(cdc({ status: "stopped", everStarted: true, phase: "cdc" }), "start-replication", "t")).toThrow(/use resume-processing/);
    expect(planStart(cdc({ status: "stopped", everStarted: true, phase: "cdc" }), "resume-processing", "t")).toBe("cdc");
    // A first start that failed before CDC began (the slot was missing) starts from the slot again.
    expect(planStart(cdc({ status: "failed", everStarted: true, phase: "new" }), "resume-processing", "t")).toBe("cdc-from-slot");
    expect(planRecovery(cdc({ status: "creating" }))).toBe("prepare-cdc-only");
    expect(planRecovery(cdc({ status: "starting", phase: "new" }))).toBe("redo-cdc-from-slot");
    expect(planRecovery(cdc({ status: "running", phase: "cdc" }))).toBe("continue-cdc");
  });

  it("GIVEN what a killed process left THEN a new one redoes a running full load, continues CDC, and finishes stops and deletes", () => {
    expect(planRecovery(record({ status: "creating" }))).toBe("mark-ready");
    expect(planRecovery(record({ status: "running", phase: "full-load" }))).toBe("redo-full-load");
    expect(planRecovery(record({ status: "starting", phase: "new" }))).toBe("redo-full-load");
    expect(planRecovery(record({ status: "starting", phase: "loaded" }))).toBe("continue-cdc");
    expect(planRecovery(record({ status: "running", phase: "cdc" }))).toBe("continue-cdc");
    expect(planRecovery(record({ status: "stopping", phase: "cdc" }))).toBe("finish-stop");
    expect(planRecovery(record({ status: "deleting" }))).toBe("finish-delete");
    expect(planRecovery(record({ status: "stopped", phase: "loaded" }))).toBe("none");
  });
});
