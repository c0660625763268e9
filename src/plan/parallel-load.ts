/**
 * Parallel full load of big tables (issue 15, item 1): pure planning only.
 *
 * DMS loads a table in segments (docs/dms-notes.md §17) when the table mappings carry a `table-settings` rule with
 * `"parallel-load": {"type": "ranges", "columns": [...], "boundaries": [[...], ...]}` (the only
 * parallel-load type a PostgreSQL source supports). What the DMS user guide documents
 * ("Table and collection settings rules and operations", Tablesettings.ParallelLoad):
 * - `columns`: up to 10, most significant first; not DOUBLE/FLOAT/LOB; rows with a null in
 *   them are not replicated (a primary key has none).
 * - each `boundaries` entry is one value per column, the upper boundary of a segment, bottom
 *   to next-to-top; rows above the last boundary make the top segment (boundaries + 1 segments).
 * - the WHERE clause of segment k is the row comparison `(c1, c2, ...) < b_k` spelled out
 *   (`c1 < v1 OR (c1 = v1 AND c2 < v2) OR ...`), and-ed with NOT of the previous segment's:
 *   a segment takes its lower boundary (inclusive) and stops before its upper one (exclusive).
 *   The guide's prose says "less than or equal" for the leading columns; its WHERE clauses,
 *   which are what runs, are strictly less than in row order.
 * So boundaries must be strictly increasing in the key's order, or a row can land in two
 * segments (NOT only excludes the previous one) or none.
 *
 * Boundaries come from the key's distribution without a full scan: `pg_stats.histogram_bounds`
 * of the leading key column (equi-depth: each bucket holds about as many rows), or a sample of
 * whole keys (for a composite key whose leading column has too few distinct values). Values
 * are written as strings, in PostgreSQL's text form of the column type, which the source casts
 * back when DMS compares.
 *
 * Step 6 (migration/parallel-load-plan.ts) picks the tables (`splitCandidates`), reads their
 * keys' distribution and puts the rules into the task's mappings (plan/table-mappings.ts).
 */

/** Key column types the planner splits on: ordered the same in PostgreSQL and here. */
export type RangeKeyType = "smallint" | "integer" | "bigint" | "uuid";

export interface KeyColumn {
  name: string;
  /** PostgreSQL type name as `format_type` gives it (int2/int4/int8 aliases accepted). */
  type: string;
}

export interface ParallelLoadInput {
  schema: string;
  table: string;
  /** The primary key's columns, in key order. */
  key: readonly KeyColumn[];
  /**
   * Candidate split points, each a tuple of values for the first `m` key columns (same `m`
   * for all, 1 ≤ m ≤ key.length): histogram bounds of the leading column as 1-tuples, or a
   * sample of keys. Any order; repeats count (a sample repeats frequent values).
   */
  candidates: readonly (readonly string[])[];
  /** Wanted number of segments (≥ 2 to split at all). */
  parts: number;
}

export interface RangesParallelLoad {
  type: "ranges";
  columns: string[];
  boundaries: string[][];
}

export interface ParallelLoadRule {
  "rule-type": "table-settings";
  "rule-id": string;
  "rule-name": string;
  "object-locator": { "schema-name": string; "table-name": string };
  "parallel-load": RangesParallelLoad;
}

export type ParallelLoadPlan =
  | { kind: "ranges"; columns: string[]; boundaries: string[][]; segments: number }
  | { kind: "none"; reason: string };

/** DMS allows up to 10 columns in a ranges rule. */
export const MAX_RANGE_COLUMNS = 10;

const TYPE_ALIASES: Record<string, RangeKeyType> = {
  smallint: "smallint",
  int2: "smallint",
  integer: "integer",
  int: "integer",
  int4: "integer",
  bigint: "bigint",
  int8: "bigint",
  uuid: "uuid",
};

/** The planner's name for a PostgreSQL type, or undefined when it does not split on it. */
export function rangeKeyType(pgType: string): RangeKeyType | undefined {
  return TYPE_ALIASES[pgType.trim().toLowerCase()];
}

const INT_RANGES: Record<"smallint" | "integer" | "bigint", readonly [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

const UUID = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** A value in canonical text form and a sort key, or undefined when it is not of the type. */
function parseValue(type: RangeKeyType, text: string): { text: string; order: bigint | string } | undefined {
  if (type === "uuid") {
    const m = UUID.exec(text.trim());
    if (!m) return undefined;
    const hex = m.slice(1).join("").toLowerCase();
    // PostgreSQL orders uuid by its 16 bytes, i.e. by the lowercase hex digits.
    return { text: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, order: hex };
  }
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = BigInt(t);
  const [lo, hi] = INT_RANGES[type];
  if (n < lo || n > hi) return undefined;
  return { text: n.toString(), order: n };
}

interface Parsed {
  texts: string[];
  orders: (bigint | string)[];
}

/** Row comparison of two tuples, column by column, as PostgreSQL compares `(a, b) < (c, d)`. */
function compareTuples(a: Parsed, b: Parsed): number {
  for (let i = 0; i < a.orders.length; i++) {
    const x = a.orders[i]!;
    const y = b.orders[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/**
 * Pure: the boundaries that split a table's key into `parts` segments holding about as many
 * rows each, or why it is not split. Boundaries are strictly increasing in key order, never
 * at or below the lowest candidate (the first segment would then be empty); fewer than
 * `parts - 1` when the candidates have too few distinct values.
 */
export function planParallelLoad(input: ParallelLoadInput): ParallelLoadPlan {
  const parts = Math.floor(input.parts);
  if (!(parts >= 2)) return { kind: "none", reason: "one part wanted" };
  if (input.key.length === 0) return { kind: "none", reason: "no primary key" };
  if (input.candidates.length === 0) return { kind: "none", reason: "no key statistics (run ANALYZE, or sample the key)" };
  const width = input.candidates[0]!.length;
  if (width < 1 || width > input.key.length || width > MAX_RANGE_COLUMNS || input.candidates.some((c) => c.length !== width)) {
    return { kind: "none", reason: "candidate tuples do not fit the key" };
  }
  const columns = input.key.slice(0, width);
  const types: RangeKeyType[] = [];
  for (const c of columns) {
    const t = rangeKeyType(c.type);
    if (!t) return { kind: "none", reason: `key column ${c.name} is of type ${c.type}, not split on` };
    types.push(t);
  }
  const parsed: Parsed[] = [];
  for (const candidate of input.candidates) {
    const texts: string[] = [];
    const orders: (bigint | string)[] = [];
    for (let i = 0; i < width; i++) {
      const v = parseValue(types[i]!, candidate[i]!);
      if (!v) return { kind: "none", reason: `candidate value ${JSON.stringify(candidate[i])} is not a ${types[i]}` };
      texts.push(v.text);
      orders.push(v.order);
    }
    parsed.push({ texts, orders });
  }
  parsed.sort(compareTuples);

  // Equi-depth candidates: the i-th of `parts` quantiles sits at index i*(n-1)/parts.
  const n = parsed.length;
  const boundaries: Parsed[] = [];
  for (let i = 1; i < parts; i++) {
    const b = parsed[Math.round((i * (n - 1)) / parts)]!;
    const last = boundaries[boundaries.length - 1];
    if (compareTuples(b, parsed[0]!) <= 0) continue;
    if (last && compareTuples(b, last) <= 0) continue;
    boundaries.push(b);
  }
  if (boundaries.length === 0) return { kind: "none", reason: "too few distinct key values to split" };
  return {
    kind: "ranges",
    columns: columns.map((c) => c.name),
    boundaries: boundaries.map((b) => b.texts),
    segments: boundaries.length + 1,
  };
}

/**
 * The `table-settings` rule for a planned split. `ruleId` must be unique among the task's
 * rules. Table-settings object locators take exact names (no wildcards).
 */
export function parallelLoadRule(schema: string, table: string, plan: { columns: readonly string[]; boundaries: readonly (readonly string[])[] }, ruleId: number): ParallelLoadRule {
  return {
    "rule-type": "table-settings",
    "rule-id": String(ruleId),
    "rule-name": `parallel-load-${ruleId}`,
    "object-locator": { "schema-name": schema, "table-name": table },
    "parallel-load": { type: "ranges", columns: [...plan.columns], boundaries: plan.boundaries.map((b) => [...b]) },
  };
}

/** DMS bounds for `FullLoadSettings.MaxFullLoadSubTasks`. */
export const MAX_FULL_LOAD_SUBTASKS = 49;
export const DEFAULT_FULL_LOAD_SUBTASKS = 8;

/**
 * vCPUs of a replication instance class from its size suffix (dms.r5.2xlarge → 8); undefined
 * for a name not of that form.
 */
export function instanceVcpus(instanceClass: string): number | undefined {
  const size = /\.([a-z0-9]+)$/.exec(instanceClass.trim().toLowerCase())?.[1];
  if (!size) return undefined;
  if (size === "micro" || size === "small") return 1;
  if (size === "medium" || size === "large") return 2;
  if (size === "xlarge") return 4;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? 4 * Number(m[1]) : undefined;
}

/** Subtasks per vCPU: each is a thread that mostly waits on the source and the target. */
const SUBTASKS_PER_VCPU = 4;

/**
 * Pure: `MaxFullLoadSubTasks` for a task. Every segment (a whole table, or one range of a split
 * table) is one subtask; more subtasks than segments buy nothing. Sized at 4 per vCPU of the
 * class (a heuristic: threads wait on I/O), never below DMS's default 8 unless there are fewer
 * segments, within DMS's 1–49.
 */
export function maxFullLoadSubTasks(instanceClass: string, tableCount: number, extraSegments = 0): number {
  const segments = Math.max(1, Math.floor(tableCount) + Math.max(0, Math.floor(extraSegments)));
  const vcpus = instanceVcpus(instanceClass);
  const byClass = vcpus === undefined ? DEFAULT_FULL_LOAD_SUBTASKS : Math.max(DEFAULT_FULL_LOAD_SUBTASKS, vcpus * SUBTASKS_PER_VCPU);
  return Math.min(MAX_FULL_LOAD_SUBTASKS, byClass, segments);
}

/** Tables at or above this size (the preflight's measure: heap, TOAST and indexes) are split. */
export const DEFAULT_PARALLEL_LOAD_THRESHOLD_BYTES = 1024 ** 3;
/** A range below this size is not worth a subtask of its own. */
export const MIN_RANGE_BYTES = 128 * 1024 ** 2;

/**
 * Pure: how many ranges to cut a table of `sizeBytes` into: as many as the class runs subtasks
 * (each big table may have every thread while it loads alone), never a range under
 * MIN_RANGE_BYTES, at least 2.
 */
export function partsFor(sizeBytes: number, instanceClass: string): number {
  const byClass = maxFullLoadSubTasks(instanceClass, MAX_FULL_LOAD_SUBTASKS);
  return Math.max(2, Math.min(byClass, Math.floor(sizeBytes / MIN_RANGE_BYTES)));
}

export interface SizedTable {
  schema: string;
  table: string;
  sizeBytes: number;
}

/**
 * Pure: the tables to consider splitting, largest first: at or above `thresholdBytes`, in the
 * chosen schemas, not excluded from the task (partitioned parents: their partitions carry
 * the rows), each once.
 */
export function splitCandidates(tables: readonly SizedTable[], schemas: readonly string[], excluded: readonly { schema: string; table: string }[], thresholdBytes: number): SizedTable[] {
  const chosen = new Set(schemas);
  const skip = new Set(excluded.map((t) => `${t.schema}\u0000${t.table}`));
  const seen = new Set<string>();
  const out: SizedTable[] = [];
  for (const t of [...tables].sort((a, b) => b.sizeBytes - a.sizeBytes)) {
    const key = `${t.schema}\u0000${t.table}`;
    if (t.sizeBytes < thresholdBytes || !chosen.has(t.schema) || skip.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ schema: t.schema, table: t.table, sizeBytes: t.sizeBytes });
  }
  return out;
}

/**
 * Pure: why stored boundaries (e.g. of a reused task) cannot split `key` correctly, or
 * undefined when they can: one value of the key's type per column, strictly increasing.
 */
export function boundariesProblem(key: readonly KeyColumn[], boundaries: readonly (readonly string[])[]): string | undefined {
  if (boundaries.length === 0) return "no boundaries";
  let previous: Parsed | undefined;
  for (const b of boundaries) {
    if (b.length !== key.length) return `boundary ${JSON.stringify(b)} does not have one value per column`;
    const parsed: Parsed = { texts: [], orders: [] };
    for (let i = 0; i < key.length; i++) {
      const type = rangeKeyType(key[i]!.type);
      const v = type ? parseValue(type, b[i]!) : undefined;
      if (!v) return `boundary value ${JSON.stringify(b[i])} is not a ${key[i]!.type}`;
      parsed.texts.push(v.text);
      parsed.orders.push(v.order);
    }
    if (previous && compareTuples(parsed, previous) <= 0) return `boundaries are not strictly increasing at ${JSON.stringify(b)}`;
    previous = parsed;
  }
  return undefined;
}

/** A table the task loads in ranges: the split columns (with their types) and the boundaries. */
export interface TableSplit extends SizedTable {
  key: KeyColumn[];
  boundaries: string[][];
}

/** A table big enough to split that is loaded whole, and why. */
export interface WholeTable extends SizedTable {
  reason: string;
}

/** What step 6 decided for the big tables, and the subtasks the task runs. */
export interface ParallelLoadDecision {
  thresholdBytes: number;
  maxFullLoadSubTasks: number;
  split: TableSplit[];
  whole: WholeTable[];
}
