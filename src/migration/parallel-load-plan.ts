import type { PgClient } from "../adapters/postgres/connect.js";
import { readHistogramBounds, readKeySample, readPrimaryKey } from "../adapters/postgres/key-distribution.js";
import {
  type KeyColumn,
  type ParallelLoadDecision,
  type SizedTable,
  type TableSplit,
  type WholeTable,
  maxFullLoadSubTasks,
  partsFor,
  planParallelLoad,
  rangeKeyType,
} from "../plan/parallel-load.js";
import { formatBytes, qualified, readableName } from "../plan/sql-text.js";

/**
 * Step 6's parallel-load plan (issue 15, item 1): for each table at or above the threshold
 * (plan/parallel-load.ts splitCandidates, from the preflight's recorded sizes), its primary
 * key and the equi-depth histogram of the key's leading column (`pg_stats`, no scan of the
 * table); a TABLESAMPLE of whole keys only when the histogram cannot split (a composite key
 * whose leading column has few values, or a table never analysed).
 */
export interface ParallelLoadInput {
  /** The tables to split, largest first (splitCandidates). */
  candidates: readonly SizedTable[];
  thresholdBytes: number;
  instanceClass: string;
  /** Tables the task loads (the preflight's count, plus the marker). */
  tableCount: number;
}

/** Keys asked of a sample, per wanted range: enough pages that each range's share is even. */
const SAMPLE_KEYS_PER_RANGE = 200;

export async function planParallelLoads(client: PgClient, input: ParallelLoadInput): Promise<ParallelLoadDecision> {
  const split: TableSplit[] = [];
  const whole: WholeTable[] = [];
  for (const t of input.candidates) {
    const parts = partsFor(t.sizeBytes, input.instanceClass);
    const key = await readPrimaryKey(client, t.schema, t.table);
    if (key.length === 0) {
      whole.push({ ...t, reason: (await exists(client, t)) ? "no primary key" : "not found on the source (dropped since the preflight?)" });
      continue;
    }
    const leading = key[0]!;
    if (!rangeKeyType(leading.type)) {
      whole.push({ ...t, reason: `key column ${leading.name} is of type ${leading.type}, not split on (ranges follow the key's order: int, bigint, smallint and uuid only)` });
      continue;
    }
    let plan = planParallelLoad({ ...t, key, parts, candidates: (await readHistogramBounds(client, t.schema, t.table, leading.name)).map((b) => [b]) });
    if ((plan.kind === "none" || plan.segments < Math.ceil(parts / 2)) && !(await analysed(client, t))) {
      // TABLESAMPLE sizes itself from the row estimate: without one it would read the whole table.
      if (plan.kind === "none") plan = { kind: "none", reason: `never analysed, so no statistics to split on (run ANALYZE ${qualified(t.schema, t.table)}, then step 6 again)` };
    } else if (plan.kind === "none" || plan.segments < Math.ceil(parts / 2)) {
      const columns = supportedPrefix(key);
      const sample = await readKeySample(client, t.schema, t.table, columns.map((c) => c.name), parts * SAMPLE_KEYS_PER_RANGE);
      const sampled = planParallelLoad({ ...t, key, parts, candidates: sample });
      if (sampled.kind === "ranges" && (plan.kind === "none" || sampled.segments > plan.segments)) plan = sampled;
    }
    if (plan.kind === "none") {
      whole.push({ ...t, reason: plan.reason });
      continue;
    }
    split.push({ ...t, key: key.slice(0, plan.columns.length), boundaries: plan.boundaries });
  }
  const extraSegments = split.reduce((n, s) => n + s.boundaries.length, 0);
  return { thresholdBytes: input.thresholdBytes, maxFullLoadSubTasks: maxFullLoadSubTasks(input.instanceClass, input.tableCount, extraSegments), split, whole };
}

/** Whether the table has a row estimate (ANALYZE or VACUUM ran on it). */
async function analysed(client: PgClient, t: SizedTable): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [t.schema, t.table],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

async function exists(client: PgClient, t: SizedTable): Promise<boolean> {
  const { rows } = await client.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, [t.schema, t.table]);
  return rows.length > 0;
}

/** The key's leading columns the planner splits on (a sample of more would be refused). */
function supportedPrefix(key: readonly KeyColumn[]): KeyColumn[] {
  const out: KeyColumn[] = [];
  for (const c of key) {
    if (!rangeKeyType(c.type)) break;
    out.push(c);
  }
  return out;
}

/** `"public"."orders": 8 ranges on id, 12 GiB` and `… loaded whole: reason`, for the user. */
export function describeParallelLoad(d: ParallelLoadDecision): string[] {
  return [
    ...d.split.map((s) => `${readableName(s.schema, s.table)}: ${s.boundaries.length + 1} ranges on ${s.key.map((k) => k.name).join(", ")}, ${formatBytes(s.sizeBytes)}`),
    ...d.whole.map((w) => `${readableName(w.schema, w.table)}: loaded whole (${formatBytes(w.sizeBytes)}): ${w.reason}`),
  ];
}
