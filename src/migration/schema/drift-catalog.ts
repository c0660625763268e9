import { createHash } from "node:crypto";
import type { PgClient } from "../../adapters/postgres/connect.js";
import { type DriftObject, isMachinery } from "../../plan/schema-drift.js";
import { comparedSchemas, notExtensionMember, readCatalog } from "./catalog.js";

/** Enums and domains, which the parity catalog does not hold: DMS carries neither. */
const TYPES_SQL = `
  SELECT n.nspname || '.' || t.typname AS k,
         CASE t.typtype
           WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
           ELSE 'domain ' || format_type(t.typbasetype, t.typtypmod)
                || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                || coalesce(' DEFAULT ' || t.typdefault, '')
                || coalesce((SELECT ' ' || string_agg('CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname)
                               FROM pg_constraint c WHERE c.contypid = t.oid), '')
         END AS d
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typtype IN ('e', 'd') AND n.nspname = ANY($1::text[]) AND ${notExtensionMember("pg_type", "t.oid")}`;

/** Quoted names for the DDL of columns and constraints, by the catalog's key. */
const IDENTS_SQL = `
  SELECT 'column:' || n.nspname || '.' || c.relname || '.' || a.attname AS k, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t, quote_ident(a.attname) AS o
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname = ANY($1::text[])
  UNION ALL
  SELECT 'constraint:' || n.nspname || '.' || t.relname || '.' || c.conname, quote_ident(n.nspname) || '.' || quote_ident(t.relname), quote_ident(c.conname)
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE n.nspname = ANY($1::text[])`;

/**
 * The drift guard's description of `schemas` on `client` (the source): the parity catalog
 * (tables, columns with format_type, nullability and defaults, indexes, constraints,
 * sequences, views, functions, triggers, extensions) plus enums and domains, the machinery
 * left out (the tool's schema, DMS's artefacts, the tool's triggers); sorted, so it is stable.
 */
export async function readDriftCatalog(client: PgClient, schemas: readonly string[]): Promise<DriftObject[]> {
  const catalog = await readCatalog(client, schemas);
  const names = comparedSchemas(schemas);
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  let types: { k: string; d: string }[];
  let idents: Map<string, { table: string; name: string }>;
  try {
    await client.query("SET LOCAL search_path = ''");
    types = (await client.query<{ k: string; d: string }>(TYPES_SQL, [names])).rows;
    const rows = (await client.query<{ k: string; t: string; o: string }>(IDENTS_SQL, [names])).rows;
    idents = new Map(rows.map((r) => [r.k, { table: r.t, name: r.o }]));
  } finally {
    await client.query("COMMIT");
  }
  const out: DriftObject[] = catalog.map((o) => {
    const ident = idents.get(`${o.kind}:${o.key}`);
    return { kind: o.kind, key: o.key, definition: o.definition, ...(o.subtype ? { subtype: o.subtype } : {}), ...(ident ? { ident } : {}) };
  });
  for (const t of types) out.push({ kind: "type", key: t.k, definition: t.d });
  return out.filter((o) => !isMachinery(o)).sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key));
}

/** A short digest of a drift catalog: equal catalogs, equal fingerprints. */
export function driftFingerprint(objects: readonly DriftObject[]): string {
  const h = createHash("sha256");
  for (const o of objects) h.update(`${o.kind}\u0000${o.key}\u0000${o.definition}\u0000`);
  return h.digest("hex").slice(0, 16);
}
