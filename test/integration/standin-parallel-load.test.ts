import { afterEach, describe, expect, it } from "vitest";
import { ReplicationEngine, type ReplicationEngineConfig } from "../../src/standin/replication-engine.js";
import { MemoryTaskStore } from "../../src/standin/task-record.js";
import { DEFAULT_TASK_SETTINGS } from "../../src/standin/task-settings.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { dropSlot, endpointOf, waitForStatus } from "../support/standin.js";

/**
 * The stand-in honours `table-settings` `parallel-load` `ranges` rules: each table below is
 * loaded in segments, and must arrive on the target with exactly the source's rows.
 */
const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TABLE app.by_int (id int PRIMARY KEY, v text);
  CREATE TABLE app.by_bigint (id bigint PRIMARY KEY, v text);
  CREATE TABLE app.by_uuid (id uuid PRIMARY KEY, v text);
  CREATE TABLE app.by_pair (tenant int, n bigint, v text, PRIMARY KEY (tenant, n));
  CREATE TABLE app.by_nullable (id int PRIMARY KEY, grp int, v text);
  CREATE TABLE app.whole (id int PRIMARY KEY, v text);
`;

const SEED = `
  INSERT INTO app.by_int SELECT g, 'i' || g FROM generate_series(-500, 4499) g;
  INSERT INTO app.by_bigint SELECT g * 4000000000, 'b' || g FROM generate_series(-2000, 2999) g;
  INSERT INTO app.by_uuid SELECT md5(g::text)::uuid, 'u' || g FROM generate_series(1, 5000) g;
  INSERT INTO app.by_pair SELECT g % 7, g, 'p' || g FROM generate_series(1, 5000) g;
  INSERT INTO app.by_nullable SELECT g, CASE WHEN g % 100 = 0 THEN NULL ELSE g % 50 END, 'n' || g FROM generate_series(1, 5000) g;
  INSERT INTO app.whole SELECT g, 'w' || g FROM generate_series(1, 1000) g;
`;

function rangesRule(id: number, table: string, columns: string[], boundaries: string[][]): Record<string, unknown> {
  return { "rule-type": "table-settings", "rule-id": String(id), "rule-name": `pl-${table}`, "object-locator": { "schema-name": "app", "table-name": table }, "parallel-load": { type: "ranges", columns, boundaries } };
}

const MAPPINGS = {
  rules: [
    { "rule-type": "selection", "rule-id": "1", "rule-name": "app", "object-locator": { "schema-name": "app", "table-name": "%" }, "rule-action": "include" },
    // Boundaries on row values (inclusive lower bounds) and outside the data (an empty segment at each end).
    rangesRule(2, "by_int", ["id"], [["-1000"], ["0"], ["1000"], ["1001"], ["3000"], ["9999"]]),
    rangesRule(3, "by_bigint", ["id"], [["-4000000000"], ["0"], ["4000000000000"]]),
    rangesRule(4, "by_uuid", ["id"], [["40000000-0000-0000-0000-000000000000"], ["80000000-0000-0000-0000-000000000000"], ["c0000000-0000-0000-0000-000000000000"]]),
    rangesRule(5, "by_pair", ["tenant", "n"], [["1", "0"], ["3", "2500"], ["3", "2501"], ["6", "1"]]),
    rangesRule(6, "by_nullable", ["grp"], [["10"], ["25"]]),
  ],
};

/** Each table's rows in key order, as one digest, with its row count. */
async function digest(db: TestDatabase, table: string, where = "true"): Promise<string> {
  const [row] = await db.sql<{ d: string }>(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS d FROM app.${table} t WHERE ${where}`);
  return row!.d;
}

const dbs: TestDatabase[] = [];
const engines: { engine: ReplicationEngine; source: TestDatabase; slot: string }[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) {
    await e.engine.close();
    await dropSlot(e.source, e.slot);
  }
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

async function pair(): Promise<{ source: TestDatabase; target: TestDatabase }> {
  const [source, target] = await Promise.all([freshDatabase("source", "plload"), freshDatabase("target", "plload")]);
  dbs.push(source, target);
  await source.sql(SCHEMA);
  await source.sql(SEED);
  await target.sql(SCHEMA);
  return { source, target };
}

function config(source: TestDatabase, target: TestDatabase, mappings: unknown, subTasks = 3): ReplicationEngineConfig {
  return {
    taskId: "pl-task",
    source: endpointOf(source),
    target: endpointOf(target),
    tableMappings: JSON.stringify(mappings),
    settings: { ...DEFAULT_TASK_SETTINGS, maxFullLoadSubTasks: subTasks, stopTaskCachedChangesNotApplied: true },
    slotName: `pl_${Math.random().toString(16).slice(2, 10)}`,
  };
}

describe("stand-in DMS: parallel-load ranges", () => {
  it("GIVEN int, bigint, uuid and composite keys split into ranges WHEN the full load runs THEN every row is on the target exactly once, a NULL in a range column is not loaded, and the statistics sum the segments", async () => {
    const { source, target } = await pair();
    // Rows already on the target: TRUNCATE_BEFORE_LOAD runs once, before any segment.
    await target.sql("INSERT INTO app.by_int VALUES (100000, 'old'); INSERT INTO app.by_pair VALUES (9, 9, 'old')");
    const c = config(source, target, MAPPINGS);
    const engine = await ReplicationEngine.create(c, { store: new MemoryTaskStore(), creatingMs: 0 });
    engines.push({ engine, source, slot: c.slotName });
    await waitForStatus(engine, "ready");
    engine.start("start-replication");
    const stopped = await waitForStatus(engine, "stopped");
    expect(stopped.StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");

    for (const table of ["by_int", "by_bigint", "by_uuid", "by_pair", "whole"]) {
      expect(await digest(target, table), table).toBe(await digest(source, table));
    }
    // DMS does not replicate rows with a NULL in a range column: neither does the stand-in.
    expect(await digest(target, "by_nullable")).toBe(await digest(source, "by_nullable", "grp IS NOT NULL"));
    expect(await digest(target, "by_nullable", "grp IS NULL")).toBe("0:");

    const stats = await engine.tableStatistics();
    const rows = Object.fromEntries(stats.map((t): [string, number | undefined] => [String(t.TableName), t.FullLoadRows]));
    expect(rows).toEqual({ by_int: 5000, by_bigint: 5000, by_uuid: 5000, by_pair: 5000, by_nullable: 4950, whole: 1000 });
    expect(new Set(stats.map((t) => t.TableState))).toEqual(new Set(["Table completed"]));
  });

  it("GIVEN a parallel-load rule DMS refuses WHEN the task is created THEN it is refused with DMS's kind of error", async () => {
    const bad = [
      rangesRule(2, "by_int", Array.from({ length: 11 }, (_, i) => `c${i}`), [Array.from({ length: 11 }, () => "1")]),
      rangesRule(2, "by_pair", ["tenant", "n"], [["1"]]),
      { ...rangesRule(2, "by_int", ["id"], [["1"]]), "object-locator": { "schema-name": "app", "table-name": "by_%" } },
    ];
    for (const rule of bad) {
      const c = config({ url: "postgresql://unused@localhost/none" } as TestDatabase, { url: "postgresql://unused@localhost/none" } as TestDatabase, { rules: [MAPPINGS.rules[0], rule] });
      await expect(ReplicationEngine.create(c, { store: new MemoryTaskStore(), creatingMs: 0 })).rejects.toMatchObject({ name: "InvalidParameterValueException", message: expect.stringMatching(/^Invalid table mappings: rule 2: /) as unknown });
    }
  });
});
