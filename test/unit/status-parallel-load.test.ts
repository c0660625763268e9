import { describe, expect, it } from "vitest";
import { parallelLoadLines } from "../../src/commands/status-parallel-load.js";

const GiB = 1024 ** 3;
const orders = { schema: "public", table: "orders", sizeBytes: 12.4 * GiB, columns: ["id"], ranges: 8, boundaries: [] };

describe("status: the recorded parallel-load plan", () => {
  it("GIVEN one table split and one loaded whole THEN one line names both, then the reason", () => {
    expect(parallelLoadLines({ thresholdBytes: GiB, maxFullLoadSubTasks: 16, split: [orders], whole: [{ schema: "public", table: "notes", sizeBytes: 3 * GiB, reason: "no primary key" }] })).toEqual([
      "Parallel load: public.orders in 8 ranges on id (12 GiB); 1 table loaded whole: public.notes; MaxFullLoadSubTasks 16",
      "  public.notes (3.0 GiB) loaded whole: no primary key",
    ]);
  });

  it("GIVEN a composite split, names needing quotes, and no whole table THEN the columns are listed and names quoted as PostgreSQL would", () => {
    expect(parallelLoadLines({ thresholdBytes: GiB, maxFullLoadSubTasks: 8, split: [{ ...orders, schema: "Sales", table: "order lines", columns: ["order_id", "line"], ranges: 4 }], whole: [] })).toEqual([
      'Parallel load: "Sales"."order lines" in 4 ranges on order_id, line (12 GiB); MaxFullLoadSubTasks 8',
    ]);
  });

  it("GIVEN no table at the threshold THEN it says so", () => {
    expect(parallelLoadLines({ thresholdBytes: GiB, maxFullLoadSubTasks: 3, split: [], whole: [] })).toEqual(["Parallel load: no table of 1.0 GiB or more; MaxFullLoadSubTasks 3"]);
  });
});
