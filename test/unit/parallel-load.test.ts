import { describe, expect, it } from "vitest";
import { instanceVcpus, maxFullLoadSubTasks, parallelLoadRule, planParallelLoad, type KeyColumn } from "../../src/plan/parallel-load.js";

/**
 * Segments assigned as DMS does: the guide's WHERE clause for segment k is
 * `NOT (key < b[k-1]) AND (key < b[k])`, where `key < b` is spelled
 * `(c1 < v1) OR ((c1 = v1) AND (c2 < v2)) OR ...` over the rule's columns; the top segment is
 * `NOT (key < b[last])`. Each segment's predicate is evaluated on its own, so a key in two
 * segments or in none shows.
 */
type Cmp = (a: string, b: string) => number;
const intCmp: Cmp = (a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
// PostgreSQL orders uuid bytewise, which is the order of the lowercase canonical text.
const uuidCmp: Cmp = (a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0);

function lessThan(row: readonly string[], bound: readonly string[], cmps: readonly Cmp[]): boolean {
  for (let i = 0; i < bound.length; i++) {
    let prefixEqual = true;
    for (let j = 0; j < i; j++) if (cmps[j]!(row[j]!, bound[j]!) !== 0) prefixEqual = false;
    if (prefixEqual && cmps[i]!(row[i]!, bound[i]!) < 0) return true;
  }
  return false;
}

function segmentsOf(row: readonly string[], boundaries: readonly (readonly string[])[], cmps: readonly Cmp[]): number[] {
  const hits: number[] = [];
  for (let k = 0; k <= boundaries.length; k++) {
    const aboveLower = k === 0 || !lessThan(row, boundaries[k - 1]!, cmps);
    const belowUpper = k === boundaries.length || lessThan(row, boundaries[k]!, cmps);
    if (aboveLower && belowUpper) hits.push(k);
  }
  return hits;
}

/** A deterministic generator (tests must not flake). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Equi-depth bounds of sorted values, as ANALYZE's histogram_bounds (101 entries by default). */
function histogram<T>(sorted: readonly T[], buckets = 100): T[] {
  const out: T[] = [];
  for (let i = 0; i <= buckets; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / buckets)]!);
  return out;
}

function randomUuid(r: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Every key in exactly one segment, and the segments near-equal. */
function checkCover(keys: readonly (readonly string[])[], boundaries: readonly (readonly string[])[], cmps: readonly Cmp[], parts: number): void {
  const counts = new Array<number>(boundaries.length + 1).fill(0);
  for (const key of keys) {
    const hits = segmentsOf(key, boundaries, cmps);
    expect(hits, `key ${key.join(",")}`).toHaveLength(1);
    counts[hits[0]!]!++;
  }
  expect(boundaries.length + 1).toBe(parts);
  const ideal = keys.length / parts;
  for (const c of counts) {
    expect(c).toBeGreaterThan(ideal * 0.7);
    expect(c).toBeLessThan(ideal * 1.3);
  }
}

function strictlyIncreasing(boundaries: readonly (readonly string[])[], cmps: readonly Cmp[]): boolean {
  for (let i = 1; i < boundaries.length; i++) {
    const a = boundaries[i - 1]!;
    const b = boundaries[i]!;
    // a < b in row order over the boundary's columns, and not equal.
    if (!lessThan(a, b, cmps) || a.every((v, j) => cmps[j]!(v, b[j]!) === 0)) return false;
  }
  return true;
}

describe("parallel-load ranges from the key distribution", () => {
  it("GIVEN an integer key with gaps and a histogram THEN 8 near-equal segments, every key in exactly one", () => {
    const r = rng(1);
    let id = 0;
    const keys: string[][] = [];
    for (let i = 0; i < 50_000; i++) {
      id += 1 + Math.floor(r() * (i < 25_000 ? 3 : 40)); // dense first half, sparse second
      keys.push([String(id)]);
    }
    const plan = planParallelLoad({ schema: "app", table: "orders", key: [{ name: "id", type: "integer" }], candidates: histogram(keys), parts: 8 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    expect(plan.columns).toEqual(["id"]);
    expect(strictlyIncreasing(plan.boundaries, [intCmp])).toBe(true);
    checkCover(keys, plan.boundaries, [intCmp], 8);
    // Keys outside what was sampled, and at and around each boundary, land once too.
    const edges = [String(-(2 ** 31)), "0", String(2 ** 31 - 1), ...plan.boundaries.flatMap(([b]) => [String(Number(b) - 1), b!, String(Number(b) + 1)])];
    for (const e of edges) expect(segmentsOf([e], plan.boundaries, [intCmp])).toHaveLength(1);
  });

  it("GIVEN a bigint key beyond 2^53 THEN the boundaries are exact (no float rounding) and cover once", () => {
    const r = rng(2);
    const base = 2n ** 60n;
    const keys: string[][] = [];
    let v = base;
    for (let i = 0; i < 20_000; i++) {
      v += 1n + BigInt(Math.floor(r() * 1000));
      keys.push([v.toString()]);
    }
    const plan = planParallelLoad({ schema: "app", table: "events", key: [{ name: "id", type: "int8" }], candidates: histogram(keys), parts: 6 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    for (const [b] of plan.boundaries) expect(keys.some(([k]) => k === b)).toBe(true); // a histogram value, verbatim
    expect(strictlyIncreasing(plan.boundaries, [intCmp])).toBe(true);
    checkCover(keys, plan.boundaries, [intCmp], 6);
    const extremes = [(-(2n ** 63n)).toString(), (2n ** 63n - 1n).toString()];
    for (const e of extremes) expect(segmentsOf([e], plan.boundaries, [intCmp])).toHaveLength(1);
  });

  it("GIVEN a uuid key (histogram in any letter case) THEN canonical lowercase boundaries in byte order, covering once", () => {
    const r = rng(3);
    const keys = Array.from({ length: 30_000 }, () => [randomUuid(r)]).sort((a, b) => uuidCmp(a[0]!, b[0]!));
    const candidates = histogram(keys).map(([u], i) => [i % 2 ? u!.toUpperCase() : u!]);
    const plan = planParallelLoad({ schema: "app", table: "docs", key: [{ name: "id", type: "uuid" }], candidates, parts: 16 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    for (const [b] of plan.boundaries) expect(b).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(strictlyIncreasing(plan.boundaries, [uuidCmp])).toBe(true);
    checkCover(keys, plan.boundaries, [uuidCmp], 16);
    for (const e of ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]) {
      expect(segmentsOf([e], plan.boundaries, [uuidCmp])).toHaveLength(1);
    }
  });

  it("GIVEN a composite key whose leading column has 3 values THEN boundaries on both columns from a sample, covering once", () => {
    const r = rng(4);
    const keys: string[][] = [];
    for (const tenant of [1, 2, 3]) {
      const rows = tenant === 2 ? 30_000 : 5_000; // one tenant holds most rows
      for (let i = 1; i <= rows; i++) keys.push([String(tenant), String(i * 3)]);
    }
    const sample = keys.filter(() => r() < 0.02);
    const key: KeyColumn[] = [
      { name: "tenant_id", type: "smallint" },
      { name: "id", type: "bigint" },
    ];
    const plan = planParallelLoad({ schema: "app", table: "lines", key, candidates: sample, parts: 5 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    expect(plan.columns).toEqual(["tenant_id", "id"]);
    expect(plan.boundaries.every((b) => b.length === 2)).toBe(true);
    expect(strictlyIncreasing(plan.boundaries, [intCmp, intCmp])).toBe(true);
    checkCover(keys, plan.boundaries, [intCmp, intCmp], 5);
    // Keys between sampled ones and outside the data: once each.
    for (const e of [["0", "0"], ["1", "1"], ["2", "2"], ["4", "0"], ["3", "999999999"], ["-5", "7"]]) {
      expect(segmentsOf(e, plan.boundaries, [intCmp, intCmp])).toHaveLength(1);
    }
  });

  it("GIVEN a composite key split on its leading column's histogram only THEN the rule names that column alone", () => {
    const keys: string[][] = [];
    for (let a = 1; a <= 1000; a++) for (let b = 1; b <= 10; b++) keys.push([String(a), String(b)]);
    const leading = histogram(keys.map(([a]) => [a!]));
    const plan = planParallelLoad({ schema: "s", table: "t", key: [{ name: "a", type: "int4" }, { name: "b", type: "int4" }], candidates: leading, parts: 4 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    expect(plan.columns).toEqual(["a"]);
    checkCover(keys.map(([a]) => [a!]), plan.boundaries, [intCmp], 4);
  });

  it("GIVEN few distinct values or repeats THEN fewer segments, never a repeated or empty-bottom boundary", () => {
    const candidates = ["1", "1", "1", "1", "2", "2", "3"].map((v) => [v]);
    const plan = planParallelLoad({ schema: "s", table: "t", key: [{ name: "id", type: "integer" }], candidates, parts: 8 });
    if (plan.kind !== "ranges") throw new Error(plan.reason);
    // Rows 1,1,1,1 | 2,2,3: a boundary at 3, the top value, would leave a one-row segment.
    expect(plan.boundaries).toEqual([["2"]]);
    expect(plan.segments).toBe(2);
    expect(planParallelLoad({ schema: "s", table: "t", key: [{ name: "id", type: "integer" }], candidates: [["5"], ["5"]], parts: 4 })).toEqual({
      kind: "none",
      reason: "too few distinct key values to split",
    });
  });

  it("GIVEN keys it cannot split on THEN no plan and why", () => {
    const id = (type: string): KeyColumn[] => [{ name: "id", type }];
    expect(planParallelLoad({ schema: "s", table: "t", key: id("text"), candidates: [["a"], ["b"]], parts: 2 })).toMatchObject({ kind: "none", reason: expect.stringContaining("type text") as unknown });
    expect(planParallelLoad({ schema: "s", table: "t", key: id("double precision"), candidates: [["1"], ["2"]], parts: 2 }).kind).toBe("none");
    expect(planParallelLoad({ schema: "s", table: "t", key: id("integer"), candidates: [["1"], ["9999999999"]], parts: 2 })).toMatchObject({ kind: "none" });
    expect(planParallelLoad({ schema: "s", table: "t", key: id("integer"), candidates: [], parts: 4 })).toMatchObject({ kind: "none" });
    expect(planParallelLoad({ schema: "s", table: "t", key: [], candidates: [["1"]], parts: 4 })).toMatchObject({ kind: "none", reason: "no primary key" });
    expect(planParallelLoad({ schema: "s", table: "t", key: id("integer"), candidates: [["1"], ["2"]], parts: 1 })).toMatchObject({ kind: "none" });
  });
});

describe("the table-settings rule", () => {
  it("GIVEN a plan THEN the rule is shaped as the DMS guide documents, values as strings", () => {
    const rule = parallelLoadRule("app", "orders", { columns: ["tenant_id", "id"], boundaries: [["1", "500"], ["2", "10"]] }, 7);
    expect(JSON.parse(JSON.stringify(rule))).toEqual({
      "rule-type": "table-settings",
      "rule-id": "7",
      "rule-name": "parallel-load-7",
      "object-locator": { "schema-name": "app", "table-name": "orders" },
      "parallel-load": { type: "ranges", columns: ["tenant_id", "id"], boundaries: [["1", "500"], ["2", "10"]] },
    });
    for (const b of rule["parallel-load"].boundaries) for (const v of b) expect(typeof v).toBe("string");
  });
});

describe("MaxFullLoadSubTasks", () => {
  it.each([
    ["dms.t3.medium", 2],
    ["dms.r5.large", 2],
    ["dms.r5.xlarge", 4],
    ["dms.r5.4xlarge", 16],
    ["dms.c5.24xlarge", 96],
    ["nonsense", undefined],
  ])("vCPUs of %s: %s", (cls, vcpus) => {
    expect(instanceVcpus(cls)).toBe(vcpus);
  });

  it("GIVEN the class and the tables THEN 1–49, the default 8 on small classes, no more than the segments", () => {
    expect(maxFullLoadSubTasks("dms.r5.large", 100)).toBe(8);
    expect(maxFullLoadSubTasks("dms.r5.2xlarge", 100)).toBe(32);
    expect(maxFullLoadSubTasks("dms.r5.16xlarge", 500)).toBe(49);
    expect(maxFullLoadSubTasks("dms.r5.4xlarge", 3)).toBe(3);
    expect(maxFullLoadSubTasks("dms.r5.4xlarge", 3, 15)).toBe(18); // one table split in 16
    expect(maxFullLoadSubTasks("dms.r5.large", 0)).toBe(1);
    expect(maxFullLoadSubTasks("unknown-class", 20)).toBe(8);
  });
});
