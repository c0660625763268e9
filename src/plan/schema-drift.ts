/**
 * Pure: the DDL drift guard's comparison. DMS carries rows from a PostgreSQL source, not
 * most DDL: the catalog of the migrated schemas is recorded at the schema load (step 7) and
 * compared with the source's later on (the sync wait, the cutover's preconditions).
 */

/** One catalog object as the drift guard records it (a subset of the parity catalog, plus types). */
export interface DriftObject {
  /** table, column, index, constraint, sequence, view, function, trigger, extension, type. */
  kind: string;
  /** Stable identity, e.g. `public.orders` or `public.orders.note`. */
  key: string;
  /** The normalised definition; for a column `text NOT NULL DEFAULT 'x'::text` (format_type first). */
  definition: string;
  /** Constraints: p, f, u, c, x. Indexes: "primary". */
  subtype?: string | undefined;
  /** Columns and constraints: the quoted table and the quoted object name, for the DDL. */
  ident?: { table: string; name: string } | undefined;
}

export type DriftChange = "added" | "dropped" | "changed";

export interface DriftDifference {
  kind: string;
  key: string;
  change: DriftChange;
  /** As recorded at the schema load (dropped, changed). */
  before?: string;
  /** On the source now (added, changed). */
  after?: string;
  /** The statement to run on the target, when it can be built from the catalog alone. */
  ddl?: string;
}

export interface DriftReport {
  differences: DriftDifference[];
  compared: number;
}

const id = (o: { kind: string; key: string }): string => `${o.kind}:${o.key}`;

/**
 * Names of the migration's own machinery in the app's schemas: DMS's DDL-capture artefacts
 * (`awsdms_ddl_audit`, its sequence and function, in DdlArtifactsSchema, default public) and
 * the tool's triggers; never drift. The tool's schema is not read at all.
 */
const MACHINERY_PREFIXES = ["awsdms_", "aurora_migrate_"];

/** True when any name after the schema in `key` belongs to the machinery. */
export function isMachinery(o: { kind: string; key: string }): boolean {
  if (o.kind === "extension") return false;
  return o.key
    .split(".")
    .slice(1)
    .some((part) => MACHINERY_PREFIXES.some((p) => part.startsWith(p)));
}

/** The DDL that brings the target up to the source for an added object, when the catalog alone gives it. */
function ddlFor(o: DriftObject): string | undefined {
  if (o.kind === "column" && o.ident) return `ALTER TABLE ${o.ident.table} ADD COLUMN ${o.ident.name} ${o.definition};`;
  if (o.kind === "index" && o.subtype !== "primary" && /^CREATE /.test(o.definition)) return `${o.definition};`;
  if (o.kind === "constraint" && o.ident) return `ALTER TABLE ${o.ident.table} ADD CONSTRAINT ${o.ident.name} ${o.definition};`;
  return undefined;
}

/** Pure: what changed in `now` since `recorded`, the machinery left out; sorted by kind then key. */
export function compareDrift(recorded: readonly DriftObject[], now: readonly DriftObject[]): DriftReport {
  const before = new Map(recorded.filter((o) => !isMachinery(o)).map((o) => [id(o), o]));
  const after = new Map(now.filter((o) => !isMachinery(o)).map((o) => [id(o), o]));
  const differences: DriftDifference[] = [];
  for (const [k, n] of after) {
    const r = before.get(k);
    if (!r) {
      const ddl = ddlFor(n);
      differences.push({ kind: n.kind, key: n.key, change: "added", after: n.definition, ...(ddl ? { ddl } : {}) });
    } else if (r.definition !== n.definition) {
      differences.push({ kind: n.kind, key: n.key, change: "changed", before: r.definition, after: n.definition });
    }
  }
  for (const [k, r] of before) {
    if (!after.has(k)) differences.push({ kind: r.kind, key: r.key, change: "dropped", before: r.definition });
  }
  differences.sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key));
  return { differences, compared: after.size };
}

/** A table-scoped object's table (`public.orders` of `public.orders.note`), else the object itself. */
function objectOf(d: DriftDifference): string {
  const parts = d.key.split(".");
  return ["column", "index", "constraint", "trigger"].includes(d.kind) && parts.length >= 3 ? parts.slice(0, 2).join(".") : d.key;
}

/** Where to see the source's definition of what changed. */
function dumpPointer(d: DriftDifference): string {
  if (d.kind === "extension") return `compare \\dx on both sides`;
  if (["function", "type"].includes(d.kind)) return `see pg_dump --schema-only --schema=${d.key.split(".")[0] ?? ""} on the source`;
  return `see pg_dump --schema-only --table=${objectOf(d)} on the source`;
}

/** The column's type alone: the definition up to NOT NULL, GENERATED or DEFAULT. */
const columnType = (definition: string): string => definition.split(/ (?:NOT NULL|GENERATED|DEFAULT)\b/)[0] ?? definition;

/** One line per difference naming it, and the DDL to run on the target or where to find it. */
export function describeDrift(d: DriftDifference): string {
  const what = d.kind === "column" ? `column ${d.key} (${columnType(d.after ?? d.before ?? "")})` : `${d.kind} ${d.key}`;
  switch (d.change) {
    case "added":
      return `${what} added on the source after the schema load; run on the target: ${d.ddl ?? `(${dumpPointer(d)})`}`;
    case "dropped":
      return `${what} dropped on the source after the schema load (was: ${d.before ?? ""}); drop it on the target too if the app no longer needs it (${dumpPointer(d)})`;
    case "changed":
      return `${what} changed on the source after the schema load: was ${d.before ?? ""}, now ${d.after ?? ""}; make the target match (${dumpPointer(d)})`;
  }
}

/** True when `catalog` (the target's) already has the source's side of `d`: added or changed alike, or dropped too. */
export function matchesOn(d: DriftDifference, catalog: readonly DriftObject[]): boolean {
  const there = catalog.find((o) => o.kind === d.kind && o.key === d.key);
  return d.change === "dropped" ? there === undefined : there?.definition === d.after;
}
