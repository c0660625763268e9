/** Small SQL text helpers shared by the catalog readers. */

/** `"name"` with inner quotes doubled: safe for any identifier, mixed case included. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** `'text'` with inner quotes doubled (standard_conforming_strings is on everywhere we go). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Schemas that are never the user's data. */
export const SYSTEM_SCHEMA_SQL = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
