/**
 * DMS table mappings (selection rules) for the stand-in: parsing the JSON a task is created
 * with, and deciding which source tables a task moves. Pure functions of plain data.
 *
 * Semantics (docs/dms-notes.md §12): `%` matches any run of characters, `_` exactly
 * one character, `[_]` a literal underscore, `[ab]` / `[a-d]` one character of a set; matching
 * is case-sensitive. `explicit` names one table exactly (no wildcards). A table is selected when
 * an include or explicit rule matches it and no exclude rule does.
 */
import { matchesPattern } from "../plan/object-locator.js";
import { DmsFault } from "./dms-fault.js";

export { matchesPattern };

export type RuleAction = "include" | "exclude" | "explicit";

export interface SelectionRule {
  ruleId: string;
  ruleName: string;
  schemaPattern: string;
  tablePattern: string;
  action: RuleAction;
  /** DMS `load-order`: higher loads first. Default 0. */
  loadOrder: number;
}

export interface TableName {
  schema: string;
  table: string;
}

export interface SelectedTable extends TableName {
  loadOrder: number;
}

function invalid(message: string): DmsFault {
  return new DmsFault("InvalidParameterValueException", `Invalid table mappings: ${message}`);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A `table-settings` rule's `"parallel-load": {"type": "ranges", ...}` (docs/dms-notes.md
 * §17): the table is loaded in `boundaries.length + 1` segments of its `columns`' values.
 */
export interface RangeSegmentation extends TableName {
  /** Up to 10 column names, most significant first. */
  columns: string[];
  /** Each the upper bound (exclusive) of one segment, one value per column, as text. */
  boundaries: string[][];
}

export interface TableMappings {
  selection: SelectionRule[];
  parallelLoads: RangeSegmentation[];
}

/** DMS takes up to 10 columns in a `ranges` rule. */
export const MAX_RANGE_COLUMNS = 10;

/**
 * A `table-settings` rule: its `parallel-load` when it is `ranges` (pushed to `out`), or the
 * problem with it. Other table settings (LOB settings…) do not change what moves: ignored.
 */
function parseTableSettings(rule: Record<string, unknown>, where: string, out: RangeSegmentation[]): string | undefined {
  const parallel = rule["parallel-load"];
  if (parallel === undefined) return undefined;
  const spec = asRecord(parallel);
  if (!spec) return `${where}: parallel-load must be an object`;
  const type = spec["type"];
  if (type === "none") return undefined;
  if (type !== "ranges") {
    return `${where}: parallel-load type ${JSON.stringify(type)} is not supported for a PostgreSQL source (ranges or none)`;
  }
  const locator = asRecord(rule["object-locator"]);
  const schema = locator?.["schema-name"];
  const table = locator?.["table-name"];
  if (typeof schema !== "string" || typeof table !== "string" || !schema || !table) {
    return `${where}: object-locator needs "schema-name" and "table-name" strings`;
  }
  // Table settings name one table exactly: no wildcards.
  if (schema.includes("%") || table.includes("%")) return `${where}: a parallel-load rule's object-locator must name one table (no wildcards)`;
  const columns = spec["columns"];
  if (!Array.isArray(columns) || columns.length === 0 || columns.some((c) => typeof c !== "string" || c === "")) {
    return `${where}: parallel-load ranges needs "columns", a non-empty array of column names`;
  }
  if (columns.length > MAX_RANGE_COLUMNS) return `${where}: parallel-load ranges takes up to ${MAX_RANGE_COLUMNS} columns, not ${columns.length}`;
  if (new Set(columns).size !== columns.length) return `${where}: parallel-load columns are repeated`;
  const boundaries = spec["boundaries"];
  if (!Array.isArray(boundaries) || boundaries.length === 0) {
    return `${where}: parallel-load ranges needs "boundaries", a non-empty array of value lists`;
  }
  const values: string[][] = [];
  for (const [i, b] of boundaries.entries()) {
    if (!Array.isArray(b) || b.length !== columns.length || b.some((v) => typeof v !== "string" && typeof v !== "number")) {
      return `${where}: parallel-load boundary ${i + 1} must have one value for each of the ${columns.length} columns`;
    }
    values.push(b.map(String));
  }
  if (out.some((p) => p.schema === schema && p.table === table)) return `${where}: a second parallel-load rule for ${schema}.${table}`;
  out.push({ schema, table, columns: columns as string[], boundaries: values });
  return undefined;
}

/** Parses a task's `TableMappings` JSON: its selection rules (see readTableMappings). */
export function parseTableMappings(json: string): SelectionRule[] {
  return readTableMappings(json).selection;
}

/**
 * Parses a task's `TableMappings` JSON. Selection rules are kept, and `table-settings` rules'
 * `parallel-load` ranges (other table settings do not change what moves and are ignored);
 * what the stand-in cannot honour (transformations, source filters, views) is refused, so the
 * demo never silently moves something else than asked; a bad parallel-load rule is refused as
 * DMS refuses it, when the task is created.
 */
export function readTableMappings(json: string): TableMappings {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message}).`);
  }
  const rules = asRecord(doc)?.["rules"];
  if (!Array.isArray(rules)) throw invalid(`expected an object with a "rules" array.`);
  const problems: string[] = [];
  const selection: SelectionRule[] = [];
  const parallelLoads: RangeSegmentation[] = [];
  rules.forEach((raw, index) => {
    const rule = asRecord(raw);
    const where = `rule ${index + 1}`;
    if (!rule) {
      problems.push(`${where} is not an object`);
      return;
    }
    const type = rule["rule-type"];
    if (type === "table-settings") {
      const problem = parseTableSettings(rule, where, parallelLoads);
      if (problem) problems.push(problem);
      return;
    }
    if (type !== "selection") {
      problems.push(`${where}: rule-type ${JSON.stringify(type)} is not supported by the local stand-in (only selection and table-settings)`);
      return;
    }
    const locator = asRecord(rule["object-locator"]);
    const schemaPattern = locator?.["schema-name"];
    const tablePattern = locator?.["table-name"];
    const action = rule["rule-action"];
    if (typeof schemaPattern !== "string" || typeof tablePattern !== "string") {
      problems.push(`${where}: object-locator needs "schema-name" and "table-name" strings`);
      return;
    }
    if (action !== "include" && action !== "exclude" && action !== "explicit") {
      problems.push(`${where}: rule-action must be include, exclude or explicit`);
      return;
    }
    const tableType = locator?.["table-type"];
    if (tableType !== undefined && tableType !== "table" && tableType !== "all") {
      problems.push(`${where}: table-type ${JSON.stringify(tableType)} is not supported by the local stand-in (tables only)`);
      return;
    }
    const filters = rule["filters"];
    if (Array.isArray(filters) && filters.length > 0) {
      problems.push(`${where}: source filters are not supported by the local stand-in`);
      return;
    }
    const loadOrder = rule["load-order"];
    const text = (v: unknown): string | undefined => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
    const ruleId = text(rule["rule-id"]) ?? String(index + 1);
    selection.push({
      ruleId,
      ruleName: text(rule["rule-name"]) ?? ruleId,
      schemaPattern,
      tablePattern,
      action,
      loadOrder: typeof loadOrder === "number" ? loadOrder : Number(loadOrder ?? 0) || 0,
    });
  });
  if (problems.length) throw invalid(problems.join("; ") + ".");
  if (!selection.some((r) => r.action !== "exclude")) throw invalid("no include or explicit selection rule.");
  return { selection, parallelLoads };
}

function ruleMatches(rule: SelectionRule, t: TableName): boolean {
  if (rule.action === "explicit") return rule.schemaPattern === t.schema && rule.tablePattern === t.table;
  return matchesPattern(rule.schemaPattern, t.schema) && matchesPattern(rule.tablePattern, t.table);
}

/**
 * The tables a task moves, in the order they are given, each with its load order (the highest
 * of the rules that selected it).
 */
export function selectTables(rules: readonly SelectionRule[], tables: readonly TableName[]): SelectedTable[] {
  const selected: SelectedTable[] = [];
  for (const t of tables) {
    if (rules.some((r) => r.action === "exclude" && ruleMatches(r, t))) continue;
    const including = rules.filter((r) => r.action !== "exclude" && ruleMatches(r, t));
    if (including.length === 0) continue;
    selected.push({ schema: t.schema, table: t.table, loadOrder: Math.max(...including.map((r) => r.loadOrder)) });
  }
  return selected;
}
