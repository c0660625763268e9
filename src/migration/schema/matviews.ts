import type { PgClient } from "../../adapters/postgres/connect.js";
import { qualified } from "../../plan/sql-text.js";
import { throwIfAborted } from "../../core/clock.js";
import { OperationError, errorMessage } from "../../core/errors.js";

/** A materialized view, by schema and name. */
export interface Matview {
  schema: string;
  name: string;
}

type Edge = { dependent: string; dependency: string };
type MatviewRow = { oid: string; schema: string; name: string };

/**
 * Pure: `matviews` ordered so each comes after every materialized view its query reads,
 * directly or through plain views (`edges`: view or matview → relation it reads, by oid).
 */
export function dependencyOrder<T>(matviews: ReadonlyMap<string, T>, edges: readonly Edge[]): T[] {
  const reads = new Map<string, string[]>();
  for (const e of edges) reads.set(e.dependent, [...(reads.get(e.dependent) ?? []), e.dependency]);
  const ordered: T[] = [];
  const placed = new Set<string>();
  // Matviews this one needs first: through plain views, stopping at the first matview on each path.
  const needs = (oid: string): string[] => {
    const found = new Set<string>();
    const seen = new Set<string>([oid]);
    const stack = [...(reads.get(oid) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      if (matviews.has(next)) found.add(next);
      else stack.push(...(reads.get(next) ?? []));
    }
    return [...found];
  };
  const visiting = new Set<string>();
  const place = (oid: string): void => {
    if (placed.has(oid) || visiting.has(oid)) return;
    visiting.add(oid);
    for (const dep of needs(oid)) place(dep);
    visiting.delete(oid);
    placed.add(oid);
    ordered.push(matviews.get(oid)!);
  };
  for (const oid of matviews.keys()) place(oid);
  return ordered;
}

/**
 * The materialized views of `schemas` that hold data on the source (pg_matviews.ispopulated),
 * in the order they can be refreshed: one built on another comes after it.
 */
export async function populatedMatviews(source: PgClient, schemas: readonly string[]): Promise<Matview[]> {
  const { rows } = await source.query<MatviewRow>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'm' AND c.relispopulated AND n.nspname = ANY($1::text[]) ORDER BY 2, 3`,
    [schemas],
  );
  if (rows.length === 0) return [];
  // What each view and matview reads, from its rewrite rule's dependencies.
  const { rows: edges } = await source.query<Edge>(
    `SELECT DISTINCT r.ev_class::text AS dependent, d.refobjid::text AS dependency
       FROM pg_rewrite r JOIN pg_class v ON v.oid = r.ev_class
       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
      WHERE v.relkind IN ('v', 'm') AND d.refobjid <> r.ev_class`,
  );
  return dependencyOrder(new Map(rows.map((r) => [r.oid, { schema: r.schema, name: r.name }])), edges);
}

export interface MatviewRefreshReport {
  /** `schema.name`, in the order refreshed. */
  refreshed: string[];
  /** Populated on the source but absent on the target (the parity check lists them). */
  missing: string[];
}

/**
 * `REFRESH MATERIALIZED VIEW` of each of `matviews` on the target, in the given order. Each is
 * its own statement, and refreshing again is harmless, so a re-run after an interruption
 * simply refreshes them all again.
 */
export async function refreshMatviews(
  target: PgClient,
  matviews: readonly Matview[],
  options: { signal?: AbortSignal; onStart?: (m: Matview, index: number) => void } = {},
): Promise<MatviewRefreshReport> {
  const report: MatviewRefreshReport = { refreshed: [], missing: [] };
  for (const [i, m] of matviews.entries()) {
    throwIfAborted(options.signal);
    const name = qualified(m.schema, m.name);
    const { rows } = await target.query<{ present: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'm') AS present",
      [m.schema, m.name],
    );
    if (!rows[0]?.present) {
      report.missing.push(`${m.schema}.${m.name}`);
      continue;
    }
    options.onStart?.(m, i);
    try {
      await target.query(`REFRESH MATERIALIZED VIEW ${name}`);
    } catch (err) {
      throw new OperationError(`Refreshing the materialized view ${name} on the target failed: ${errorMessage(err)}`, {
        details: ["Failing statement:", `  REFRESH MATERIALIZED VIEW ${name}`, ...(report.refreshed.length > 0 ? [`Already refreshed: ${report.refreshed.join(", ")}`] : [])],
        hint: `Its query runs on the source but not on the target: run \`SELECT * FROM (<its query>) q LIMIT 1\` on the target (\`SELECT pg_get_viewdef('${name.replace(/'/g, "''")}'::regclass)\` shows it), create what it misses there (a table or function outside the migrated schemas, an extension, a role's setting), then resume; the refresh runs again.`,
        cause: err,
      });
    }
    report.refreshed.push(`${m.schema}.${m.name}`);
  }
  return report;
}
