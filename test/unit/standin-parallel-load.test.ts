import { describe, expect, it } from "vitest";
import { loadUnits } from "../../src/standin/full-load.js";
import { segmentConditions } from "../../src/standin/segments.js";
import type { SourceTable } from "../../src/standin/source-tables.js";
import { readTableMappings } from "../../src/standin/table-mappings.js";

const include = { "rule-type": "selection", "rule-id": "1", "rule-name": "all", "object-locator": { "schema-name": "app", "table-name": "%" }, "rule-action": "include" };

function ranges(parallel: Record<string, unknown>, locator: Record<string, unknown> = { "schema-name": "app", "table-name": "orders" }): Record<string, unknown> {
  return { "rule-type": "table-settings", "rule-id": "2", "rule-name": "pl", "object-locator": locator, "parallel-load": parallel };
}

function read(...rules: object[]): ReturnType<typeof readTableMappings> {
  return readTableMappings(JSON.stringify({ rules: [include, ...rules] }));
}

describe("stand-in: table-settings parallel-load ranges", () => {
  it("GIVEN a ranges rule THEN it is kept with its columns and boundaries as text", () => {
    const m = read(ranges({ type: "ranges", columns: ["id"], boundaries: [["100"], [200]] }));
    expect(m.selection).toHaveLength(1);
    expect(m.parallelLoads).toEqual([{ schema: "app", table: "orders", columns: ["id"], boundaries: [["100"], ["200"]] }]);
  });

  it("GIVEN type none or other table settings THEN nothing is split", () => {
    expect(read(ranges({ type: "none" })).parallelLoads).toEqual([]);
    expect(read({ "rule-type": "table-settings", "rule-id": "3", "rule-name": "lob", "object-locator": { "schema-name": "app", "table-name": "orders" }, "lob-settings": { mode: "limited" } }).parallelLoads).toEqual([]);
  });

  it.each([
    ["11 columns", ranges({ type: "ranges", columns: Array.from({ length: 11 }, (_, i) => `c${i}`), boundaries: [Array.from({ length: 11 }, () => "1")] }), /up to 10 columns/],
    ["a boundary with fewer values than columns", ranges({ type: "ranges", columns: ["a", "b"], boundaries: [["1", "2"], ["3"]] }), /boundary 2 must have one value for each of the 2 columns/],
    ["no boundaries", ranges({ type: "ranges", columns: ["id"], boundaries: [] }), /needs "boundaries"/],
    ["no columns", ranges({ type: "ranges", columns: [], boundaries: [["1"]] }), /needs "columns"/],
    ["a wildcard table", ranges({ type: "ranges", columns: ["id"], boundaries: [["1"]] }, { "schema-name": "app", "table-name": "ord%" }), /name one table/],
    ["a partitions type", ranges({ type: "partitions-auto" }), /not supported for a PostgreSQL source/],
  ])("GIVEN %s THEN the mappings are refused as DMS refuses them", (_what, rule, message) => {
    expect(() => read(rule)).toThrow(message);
    try {
      read(rule);
    } catch (err) {
      expect((err as Error).name).toBe("InvalidParameterValueException");
    }
  });

  it("GIVEN two ranges rules for one table THEN refused", () => {
    const r = ranges({ type: "ranges", columns: ["id"], boundaries: [["1"]] });
    expect(() => read(r, { ...r, "rule-id": "3" })).toThrow(/second parallel-load rule for app.orders/);
  });

  it("GIVEN boundaries THEN segment conditions are the guide's: lower bound inclusive, last open, NULLs in none", () => {
    expect(segmentConditions(["id"], [["10"], ["20"]])).toEqual([
      `"id" IS NOT NULL AND "id" < '10'`,
      `"id" IS NOT NULL AND "id" >= '10' AND "id" < '20'`,
      `"id" IS NOT NULL AND "id" >= '20'`,
    ]);
    expect(segmentConditions(["a", "b"], [["1", "x'y"]])).toEqual([
      `"a" IS NOT NULL AND "b" IS NOT NULL AND ("a", "b") < ('1', 'x''y')`,
      `"a" IS NOT NULL AND "b" IS NOT NULL AND ("a", "b") >= ('1', 'x''y')`,
    ]);
  });

  it("GIVEN a table with ranges THEN its segments are units of work next to each other; a partitioned parent is not split", () => {
    const t = (table: string, partitioned = false): SourceTable => ({ schema: "app", table, loadOrder: 0, columns: ["id"], capturesUpdates: true, estimatedRows: 1, bytes: 1, partitioned, isPartition: false, logged: true, primaryKey: ["id"] });
    const rules = [
      { schema: "app", table: "big", columns: ["id"], boundaries: [["1"], ["2"]] },
      { schema: "app", table: "parent", columns: ["id"], boundaries: [["1"]] },
    ];
    const units = loadUnits([t("big"), t("small"), t("parent", true)], rules);
    expect(units.map((u) => `${u.load.table.table}${u.segment ? `#${u.segment.index}` : ""}`)).toEqual(["big#0", "big#1", "big#2", "small", "parent"]);
    expect(units[0]!.load).toBe(units[2]!.load);
    expect(units[0]!.load.segments).toBe(3);
  });
});
