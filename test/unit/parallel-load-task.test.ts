import { describe, expect, it } from "vitest";
import { DEFAULT_PARALLEL_LOAD_THRESHOLD_BYTES, boundariesProblem, partsFor, splitCandidates, type TableSplit } from "../../src/plan/parallel-load.js";
import { buildTableMappings, parallelLoadDifferences, storedParallelLoads, withParallelLoads } from "../../src/plan/table-mappings.js";
import { buildTaskSettings } from "../../src/plan/task-settings.js";
import { planLobSettings } from "../../src/plan/lob-sizing.js";

const GiB = 1024 ** 3;
const marker = { schema: "aurora_migrate", table: "cutover_marker" };
const orders: TableSplit = { schema: "public", table: "orders", sizeBytes: 12.4 * GiB, key: [{ name: "id", type: "bigint" }], boundaries: [["100"], ["200"], ["300"]] };
const lines: TableSplit = {
  schema: "app_data",
  table: "lines",
  sizeBytes: 2 * GiB,
  key: [
    { name: "order_id", type: "integer" },
    { name: "line", type: "smallint" },
  ],
  boundaries: [
    ["1", "5"],
    ["2", "1"],
  ],
};

describe("which tables step 6 splits", () => {
  it("GIVEN the preflight's largest tables WHEN candidates are picked THEN only tables at or above the threshold, in the chosen schemas, not excluded, each once, largest first", () => {
    const tables = [
      { schema: "public", table: "small", sizeBytes: 10 * 1024 ** 2 },
      { schema: "public", table: "orders", sizeBytes: 12.4 * GiB },
      { schema: "public", table: "events", sizeBytes: GiB },
      { schema: "other", table: "big", sizeBytes: 50 * GiB },
      { schema: "public", table: "parted_leaf", sizeBytes: 3 * GiB },
      { schema: "public", table: "orders", sizeBytes: 12.4 * GiB },
    ];
    expect(splitCandidates(tables, ["public"], [{ schema: "public", table: "parted_leaf" }], DEFAULT_PARALLEL_LOAD_THRESHOLD_BYTES).map((t) => t.table)).toEqual(["orders", "events"]);
  });

  it("GIVEN a class and a size WHEN parts are sized THEN as many as the class's subtasks, no range under 128 MiB, at least 2", () => {
    expect(partsFor(12.4 * GiB, "dms.t3.medium")).toBe(8);
    expect(partsFor(12.4 * GiB, "dms.r5.4xlarge")).toBe(49);
    expect(partsFor(GiB, "dms.r5.4xlarge")).toBe(8);
    expect(partsFor(200 * 1024 ** 2, "dms.t3.medium")).toBe(2);
  });
});

describe("the task's parallel-load rules", () => {
  it("GIVEN splits WHEN they are appended to the mappings THEN each is a table-settings ranges rule as the DMS guide documents, with ids and names no selection rule has", () => {
    const selection = buildTableMappings(["public", "app_data"], marker, [{ schema: "public", table: "parted" }]);
    const { rules } = withParallelLoads(selection, [orders, lines]);
    const ids = rules.map((r) => r["rule-id"]);
    const names = rules.map((r) => r["rule-name"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(names).size).toBe(names.length);
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
    expect(rules.slice(selection.rules.length)).toEqual([
      {
        "rule-type": "table-settings",
        "rule-id": "5",
        "rule-name": "parallel-load-5",
        "object-locator": { "schema-name": "public", "table-name": "orders" },
        "parallel-load": { type: "ranges", columns: ["id"], boundaries: [["100"], ["200"], ["300"]] },
      },
      {
        "rule-type": "table-settings",
        "rule-id": "6",
        "rule-name": "parallel-load-6",
        "object-locator": { "schema-name": "app_data", "table-name": "lines" },
        "parallel-load": {
          type: "ranges",
          columns: ["order_id", "line"],
          boundaries: [
            ["1", "5"],
            ["2", "1"],
          ],
        },
      },
    ]);
    expect(storedParallelLoads(JSON.stringify({ rules }))).toEqual([
      { schema: "public", table: "orders", columns: ["id"], boundaries: orders.boundaries },
      { schema: "app_data", table: "lines", columns: ["order_id", "line"], boundaries: lines.boundaries },
    ]);
  });

  it("GIVEN a split count WHEN the task settings are built THEN MaxFullLoadSubTasks is it, and DMS's default 8 without one", () => {
    const lob = planLobSettings(0).settings;
    expect((buildTaskSettings({ lob, maxFullLoadSubTasks: 11 })["FullLoadSettings"] as Record<string, unknown>)["MaxFullLoadSubTasks"]).toBe(11);
    expect((buildTaskSettings({ lob })["FullLoadSettings"] as Record<string, unknown>)["MaxFullLoadSubTasks"]).toBe(8);
  });
});

describe("a reused task's ranges", () => {
  const stored = (splits: TableSplit[]): string => JSON.stringify(withParallelLoads(buildTableMappings(["public", "app_data"], marker), splits));

  it("GIVEN the same rules THEN nothing differs and the splits are kept", () => {
    expect(parallelLoadDifferences(stored([orders, lines]), [orders, lines])).toEqual({ differences: [], kept: [orders, lines] });
  });

  it("GIVEN other but valid boundaries (the statistics moved) THEN they are kept as stored", () => {
    const moved = { ...orders, boundaries: [["150"], ["250"]] };
    expect(parallelLoadDifferences(stored([moved]), [orders])).toEqual({ differences: [], kept: [moved] });
  });

  it("GIVEN a missing rule, other columns, boundaries out of order, or a split the plan does not make THEN each is named", () => {
    expect(parallelLoadDifferences(stored([]), [orders]).differences).toEqual(["public.orders: no parallel-load rule; planned: 4 ranges on id"]);
    expect(parallelLoadDifferences(stored([{ ...lines, key: [lines.key[0]!], boundaries: [["1"]] }]), [lines]).differences).toEqual([
      "app_data.lines: ranges on order_id; planned: 3 ranges on order_id, line",
    ]);
    expect(parallelLoadDifferences(stored([{ ...orders, boundaries: [["300"], ["200"]] }]), [orders]).differences).toEqual([
      'public.orders: boundaries are not strictly increasing at ["200"]; planned: 4 ranges on id',
    ]);
    expect(parallelLoadDifferences(stored([orders]), []).differences).toEqual(["public.orders: split into 4 ranges on id; planned: loaded whole"]);
    expect(parallelLoadDifferences("not json", [orders]).differences).toEqual(["the stored table mappings cannot be read"]);
    expect(parallelLoadDifferences("not json", []).differences).toEqual([]);
  });

  it("GIVEN stored boundaries WHEN checked against the key THEN values of the wrong type or width are problems", () => {
    expect(boundariesProblem(orders.key, [["1"], ["x"]])).toBe('boundary value "x" is not a bigint');
    expect(boundariesProblem(lines.key, [["1"]])).toBe('boundary ["1"] does not have one value per column');
    expect(boundariesProblem(lines.key, [["1", "40000"]])).toBe('boundary value "40000" is not a smallint');
    expect(boundariesProblem(lines.key, lines.boundaries)).toBeUndefined();
    expect(boundariesProblem(orders.key, [])).toBe("no boundaries");
  });
});
