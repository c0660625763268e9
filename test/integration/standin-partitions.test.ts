import { afterEach, describe, expect, it } from "vitest";
import { connectPg } from "../../src/adapters/postgres/connect.js";
import { listPartitionedTables } from "../../src/adapters/postgres/partitioned-tables.js";
import { parsePgUrl } from "../../src/adapters/postgres/url.js";
import { buildTableMappings } from "../../src/plan/table-mappings.js";
import type { TestDatabase } from "../support/databases.js";
import { StandinFixture, type Pair, tableDigests, waitFor, waitForCdc, waitForSameContent, waitForStatus } from "../support/standin.js";

/** A partitioned table with a primary key, a sub-partitioned partition and an oddly named leaf. */
const MEASURES = `
  CREATE TABLE app.measures (id int NOT NULL, at date NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE app.measures_2024 PARTITION OF app.measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE app.measures_2025 PARTITION OF app.measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY RANGE (id);
  CREATE TABLE app.measures_2025_lo PARTITION OF app.measures_2025 FOR VALUES FROM (MINVALUE) TO (50);
  CREATE TABLE app."Measures 2025 ""hi""" PARTITION OF app.measures_2025 FOR VALUES FROM (50) TO (MAXVALUE);
`;
/** The same shape without any key. */
const READINGS = `
  CREATE TABLE app.readings (id int, at date, v text) PARTITION BY RANGE (at);
  CREATE TABLE app.readings_2024 PARTITION OF app.readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE app.readings_2025 PARTITION OF app.readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
`;

const fixture = new StandinFixture();
afterEach(() => fixture.cleanup());

async function pairWith(ddl: string, rowsSql: string, stopAfterFullLoad: boolean): Promise<Pair> {
  const p = await fixture.pair({ customers: 20, orders: 100, settings: { stopTaskCachedChangesNotApplied: stopAfterFullLoad } });
  await p.source.sql(ddl);
  await p.target.sql(ddl);
  await p.source.sql(rowsSql);
  await p.source.sql("ANALYZE");
  return p;
}

const count = async (db: TestDatabase, table: string): Promise<number> => Number((await db.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

describe("stand-in DMS task: partitioned tables loaded as DMS loads them", () => {
  it("GIVEN a partitioned table without a key and the % mapping WHEN the full load runs THEN its rows arrive twice, through the parent and through the partitions", async () => {
    const p = await pairWith(READINGS, "INSERT INTO app.readings SELECT g, date '2024-06-01' + g * 3, 'r' || g FROM generate_series(1, 100) g", true);
    const task = await fixture.engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    expect((await waitForStatus(task, "stopped")).StopReason).toBe("Stop Reason STOPPED_AFTER_FULL_LOAD");
    expect(await count(p.source, "app.readings")).toBe(100);
    expect(await count(p.target, "app.readings")).toBe(200);
    expect(await count(p.target, "app.readings_2024")).toBe(2 * (await count(p.source, "app.readings_2024")));
    const loaded = (await task.tableStatistics()).filter((t) => t.TableName?.startsWith("readings"));
    expect(loaded.map((t) => [t.TableName, t.FullLoadRows])).toEqual(
      expect.arrayContaining([
        ["readings", 100],
        ["readings_2024", await count(p.source, "app.readings_2024")],
      ]),
    );
  });

  it("GIVEN a partitioned table with a primary key and the % mapping WHEN the full load runs THEN the parent's load fails on the duplicate key and the table is in error", async () => {
    const p = await pairWith(MEASURES, "INSERT INTO app.measures SELECT g, date '2024-06-01' + g * 5, 'm' || g FROM generate_series(1, 100) g", true);
    const task = await fixture.engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    const failed = await waitForStatus(task, "failed");
    expect(failed.LastFailureMessage).toContain('Failed to load table "app"."measures" during the full load');
    expect(failed.LastFailureMessage).toContain("duplicate key value violates unique constraint");
    expect(failed.ReplicationTaskStats.TablesErrored).toBe(1);
    expect((await task.tableStatistics()).find((t) => t.TableName === "measures")?.TableState).toBe("Table error");
  });

  it("GIVEN the tool's mappings (partitioned tables excluded) WHEN the task loads and replicates THEN every row of the partitioned table arrives exactly once, changes included", async () => {
    const p = await pairWith(MEASURES, "INSERT INTO app.measures SELECT g, date '2024-06-01' + g * 5, 'm' || g FROM generate_series(1, 100) g", false);
    const { location, password } = parsePgUrl(p.source.url);
    const client = await connectPg(location, password);
    const parents = await listPartitionedTables(client, ["app"]).finally(() => client.end());
    expect(parents.map((t) => `${t.table}:${t.isPartition}`)).toEqual(["measures:false", "measures_2025:true"]);
    p.config.tableMappings = JSON.stringify(buildTableMappings(["app"], { schema: "aurora_migrate", table: "cutover_marker" }, parents));
    const task = await fixture.engine(p);
    await waitForStatus(task, "ready");
    task.start("start-replication");
    await waitForCdc(task);
    expect((await task.tableStatistics()).map((t) => t.TableName)).not.toContain("measures");
    expect(await tableDigests(p.target, ["measures"])).toEqual(await tableDigests(p.source, ["measures"]));

    await p.source.sql("INSERT INTO app.measures SELECT g, date '2025-01-01' + g, 'cdc' FROM generate_series(40, 60) g");
    await p.source.sql("UPDATE app.measures SET v = 'updated' WHERE id IN (3, 55)");
    await p.source.sql("DELETE FROM app.measures WHERE id IN (4, 41)");
    await waitForSameContent(p.source, p.target, ["measures"]);
    await waitFor("the sub-partition's rows", async () => (await count(p.target, 'app."Measures 2025 ""hi"""')) === (await count(p.source, 'app."Measures 2025 ""hi"""')));
    expect(await count(p.target, "app.measures")).toBe(await count(p.source, "app.measures"));
  });
});
