import { afterEach, describe, expect, it } from "vitest";
import { ReplicationEngine, type ReplicationEngineConfig } from "../../src/standin/replication-engine.js";
import { MemoryTaskStore } from "../../src/standin/task-record.js";
import { DEFAULT_TASK_SETTINGS } from "../../src/standin/task-settings.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { dropSlot, endpointOf, waitForStatus } from "../support/standin.js";

/**
 * A table loaded in parallel-load ranges whose segments do not all load: the stand-in treats it
 * as it treats any table error in the full load (standin-engine and standin-partitions tests):
 * the table is in "Table error", counted once, and the task fails with a DMS-like message that
 * names the table and carries PostgreSQL's reason.
 */
const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TABLE app.big (id int PRIMARY KEY, v text);
  CREATE TABLE app.small (id int PRIMARY KEY, v text);
`;

const dbs: TestDatabase[] = [];
const engines: { engine: ReplicationEngine; source: TestDatabase; slot: string }[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) {
    await e.engine.close();
    await dropSlot(e.source, e.slot);
  }
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

function config(source: TestDatabase, target: TestDatabase): ReplicationEngineConfig {
  const rules = [
    { "rule-type": "selection", "rule-id": "1", "rule-name": "app", "object-locator": { "schema-name": "app", "table-name": "%" }, "rule-action": "include" },
    {
      "rule-type": "table-settings",
      "rule-id": "2",
      "rule-name": "pl-big",
      "object-locator": { "schema-name": "app", "table-name": "big" },
      "parallel-load": { type: "ranges", columns: ["id"], boundaries: [["1000"], ["2000"], ["3000"]] },
    },
  ];
  return {
    taskId: "pl-fail",
    source: endpointOf(source),
    target: endpointOf(target),
    tableMappings: JSON.stringify({ rules }),
    settings: { ...DEFAULT_TASK_SETTINGS, maxFullLoadSubTasks: 4, stopTaskCachedChangesNotApplied: true },
    slotName: `plf_${Math.random().toString(16).slice(2, 10)}`,
  };
}

describe("stand-in DMS: a segment of a table loaded in ranges fails", () => {
  it("GIVEN a constraint on the target that the rows of two of four segments break WHEN the full load runs THEN the table is in error once, the task fails with the table and PostgreSQL's reason, and the other table is not in error", async () => {
    const [source, target] = await Promise.all([freshDatabase("source", "plfail"), freshDatabase("target", "plfail")]);
    dbs.push(source, target);
    await source.sql(SCHEMA);
    await source.sql("INSERT INTO app.big SELECT g, 'b' || g FROM generate_series(1, 4000) g; INSERT INTO app.small SELECT g, 's' FROM generate_series(1, 10) g");
    await target.sql(SCHEMA);
    // Only the rows from 2000 up break it: the segments [2000, 3000) and [3000, …).
    await target.sql("ALTER TABLE app.big ADD CONSTRAINT below_2000 CHECK (id < 2000)");
    const c = config(source, target);
    const engine = await ReplicationEngine.create(c, { store: new MemoryTaskStore(), creatingMs: 0 });
    engines.push({ engine, source, slot: c.slotName });
    await waitForStatus(engine, "ready");
    engine.start("start-replication");
    const failed = await waitForStatus(engine, "failed");

    const message = failed.LastFailureMessage ?? "";
    expect(message).toMatch(/^Last Error Database error\. Failed to load table "app"\."big" during the full load: ERROR: new row for relation "big" violates check constraint "below_2000"/);
    expect(message.split('"app"."big"')).toHaveLength(2);
    expect(message).toMatch(/Stop Reason FATAL_ERROR Error Level FATAL$/);
    expect(failed.ReplicationTaskStats.TablesErrored).toBe(1);
    const stats = await engine.tableStatistics();
    expect(stats.find((t) => t.TableName === "big")?.TableState).toBe("Table error");
    expect(stats.find((t) => t.TableName === "small")?.TableState).not.toBe("Table error");
    // The load is one transaction per segment: the failed ones left nothing, and no row is there twice.
    const [onTarget] = await target.sql<{ n: number; d: number; over: number }>("SELECT count(*)::int AS n, (count(*) - count(DISTINCT id))::int AS d, count(*) FILTER (WHERE id >= 2000)::int AS over FROM app.big");
    expect(onTarget).toMatchObject({ d: 0, over: 0 });
  });
});
