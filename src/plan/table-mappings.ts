/**
 * DMS table mappings (docs/dms-notes.md §12): one include rule per chosen schema, every
 * table in it; an exclude rule per partitioned table (parents and sub-partitioned partitions),
 * since `%` selects a parent and its partitions alike and the parent's rows would then arrive
 * twice (docs/dms-notes.md §11): only leaf partitions are loaded; plus an explicit rule for
 * the tool's cutover marker table, so the marker written at cutover reaches the target even
 * when its schema is not among the chosen ones; then a `table-settings` rule with `parallel-load`
 * `ranges` per big table (plan/parallel-load.ts), numbered after the selection rules.
 */
import { matchesPattern } from "./object-locator.js";
import { type ParallelLoadRule, type TableSplit, boundariesProblem, parallelLoadRule } from "./parallel-load.js";

export interface TableName {
  schema: string;
  table: string;
}

export type MarkerTable = TableName;

export interface SelectionRule {
  "rule-type": "selection";
  "rule-id": string;
  "rule-name": string;
  "object-locator": { "schema-name": string; "table-name": string };
  "rule-action": "include" | "exclude" | "explicit";
}

/**
 * In object-locator patterns `%` is any run and `_` any one character; a schema called
 * `app_data` must not also pick up `appXdata`, so both are bracketed to match literally.
 */
export function literalPattern(name: string): string {
  return name.replace(/[[\]%_]/g, (c) => `[${c}]`);
}

/**
 * The task's mappings. `partitioned`: the partitioned tables of the source (relkind 'p',
 * intermediate sub-partitioned ones included); those in the chosen schemas get an exclude rule
 * matching exactly their name.
 */
export function buildTableMappings(schemas: readonly string[], marker: MarkerTable, partitioned: readonly TableName[] = []): { rules: SelectionRule[] } {
  const unique = [...new Set(schemas)].filter((s) => s !== marker.schema);
  const rules: SelectionRule[] = [];
  const add = (name: string, locator: TableName, action: SelectionRule["rule-action"]): void => {
    const id = String(rules.length + 1);
    rules.push({
      "rule-type": "selection",
      "rule-id": id,
      "rule-name": name.replace("#", id),
      "object-locator": { "schema-name": locator.schema, "table-name": locator.table },
      "rule-action": action,
    });
  };
  for (const schema of unique) add("include-#", { schema: literalPattern(schema), table: "%" }, "include");
  for (const t of excludedParents(unique, partitioned)) {
    add("exclude-partitioned-#", { schema: literalPattern(t.schema), table: literalPattern(t.table) }, "exclude");
  }
  // "explicit" takes exact names, no wildcards.
  add("aurora-migrate-cutover-marker", marker, "explicit");
  return { rules };
}

/**
 * `mappings` with a `parallel-load` `ranges` rule per split table appended. Ids follow the
 * highest numeric id already there, and names are `parallel-load-<id>`: neither collides with a
 * selection rule's.
 */
export function withParallelLoads(
  mappings: { rules: readonly SelectionRule[] },
  splits: readonly Pick<TableSplit, "schema" | "table" | "key" | "boundaries">[],
): { rules: (SelectionRule | ParallelLoadRule)[] } {
  const after = mappings.rules.reduce((max, r) => Math.max(max, Number(r["rule-id"]) || 0), 0);
  const settings = splits.map((s, i) => parallelLoadRule(s.schema, s.table, { columns: s.key.map((k) => k.name), boundaries: s.boundaries }, after + 1 + i));
  return { rules: [...mappings.rules, ...settings] };
}

/** A `parallel-load` `ranges` rule read back from stored mappings (exact names, as DMS takes them). */
export interface StoredRanges {
  schema: string;
  table: string;
  columns: string[];
  boundaries: string[][];
}

/** The `table-settings` `ranges` rules of stored mappings; undefined when they cannot be read. */
export function storedParallelLoads(tableMappings: string | undefined): StoredRanges[] | undefined {
  let rules: unknown;
  try {
    rules = (JSON.parse(tableMappings ?? "") as { rules?: unknown } | null)?.rules;
  } catch {
    return undefined;
  }
  if (!Array.isArray(rules)) return undefined;
  return rules.flatMap((raw: unknown) => {
    const r = raw as Record<string, unknown> | null;
    const locator = r?.["object-locator"] as Record<string, unknown> | undefined;
    const load = r?.["parallel-load"] as Record<string, unknown> | undefined;
    const schema = locator?.["schema-name"];
    const table = locator?.["table-name"];
    if (r?.["rule-type"] !== "table-settings" || load?.["type"] !== "ranges" || typeof schema !== "string" || typeof table !== "string") return [];
    const columns = Array.isArray(load["columns"]) ? load["columns"].map(String) : [];
    const boundaries = Array.isArray(load["boundaries"]) ? load["boundaries"].map((b: unknown) => (Array.isArray(b) ? b.map(String) : [String(b)])) : [];
    return [{ schema, table, columns, boundaries }];
  });
}

/**
 * Pure: a reused task's ranges against the plan. A planned split must be stored on the same
 * columns; its boundaries may differ (the statistics moved since it was created) as long as
 * they split the key correctly, and are then kept (`kept`: the splits as the task holds them).
 * A stored split of a table the plan loads whole, or unreadable mappings, differ too.
 */
export function parallelLoadDifferences(tableMappings: string | undefined, planned: readonly TableSplit[]): { differences: string[]; kept: TableSplit[] } {
  const stored = storedParallelLoads(tableMappings);
  if (!stored) return { differences: planned.length ? ["the stored table mappings cannot be read"] : [], kept: [] };
  const differences: string[] = [];
  const kept: TableSplit[] = [];
  const name = (t: TableName): string => `${t.schema}.${t.table}`;
  const same = (a: TableName, b: TableName): boolean => a.schema === b.schema && a.table === b.table;
  for (const p of planned) {
    const want = `${p.boundaries.length + 1} ranges on ${p.key.map((k) => k.name).join(", ")}`;
    const s = stored.find((x) => same(x, p));
    if (!s) {
      differences.push(`${name(p)}: no parallel-load rule; planned: ${want}`);
      continue;
    }
    const columns = p.key.map((k) => k.name);
    if (s.columns.join("\u0000") !== columns.join("\u0000")) {
      differences.push(`${name(p)}: ranges on ${s.columns.join(", ") || "no column"}; planned: ${want}`);
      continue;
    }
    const problem = boundariesProblem(p.key, s.boundaries);
    if (problem) {
      differences.push(`${name(p)}: ${problem}; planned: ${want}`);
      continue;
    }
    kept.push({ ...p, boundaries: s.boundaries });
  }
  for (const s of stored) {
    if (!planned.some((p) => same(p, s))) differences.push(`${name(s)}: split into ${s.boundaries.length + 1} ranges on ${s.columns.join(", ")}; planned: loaded whole`);
  }
  return { differences, kept };
}

/** The partitioned tables of `schemas`, each once, in a stable order. */
export function excludedParents(schemas: readonly string[], partitioned: readonly TableName[]): TableName[] {
  const chosen = new Set(schemas);
  const seen = new Set<string>();
  const out: TableName[] = [];
  for (const t of partitioned) {
    const key = `${t.schema}\u0000${t.table}`;
    if (!chosen.has(t.schema) || seen.has(key)) continue;
    seen.add(key);
    out.push({ schema: t.schema, table: t.table });
  }
  return out.sort((a, b) => (a.schema === b.schema ? compare(a.table, b.table) : compare(a.schema, b.schema)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The tables of `parents` that the stored `TableMappings` do not exclude (a selection rule with
 * rule-action exclude whose patterns match the table); every one of them when the mappings
 * cannot be read.
 */
export function parentsNotExcluded(tableMappings: string | undefined, parents: readonly TableName[]): TableName[] {
  let rules: unknown;
  try {
    rules = (JSON.parse(tableMappings ?? "") as { rules?: unknown } | null)?.rules;
  } catch {
    return [...parents];
  }
  const excludes = (Array.isArray(rules) ? rules : []).flatMap((raw: unknown) => {
    const r = raw as Record<string, unknown> | null;
    const locator = r?.["object-locator"] as Record<string, unknown> | undefined;
    const schema = locator?.["schema-name"];
    const table = locator?.["table-name"];
    if (r?.["rule-type"] !== "selection" || r["rule-action"] !== "exclude" || typeof schema !== "string" || typeof table !== "string") return [];
    return [{ schema, table }];
  });
  return parents.filter((p) => !excludes.some((e) => matchesPattern(e.schema, p.schema) && matchesPattern(e.table, p.table)));
}
