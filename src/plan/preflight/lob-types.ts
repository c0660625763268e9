import type { ColumnFact } from "./facts.js";

/**
 * Types DMS handles as LOBs (docs/dms-notes.md §8: text, bytea, json, jsonb, xml,
 * arrays, hstore → NCLOB/BLOB). A varchar without a length has no bound either, so DMS's
 * type table maps it to NCLOB as well.
 */
const LOB_BASE_TYPES = new Set(["text", "bytea", "json", "jsonb", "xml", "hstore"]);

export function isLobColumn(c: ColumnFact): boolean {
  if (c.isArray) return true;
  if (LOB_BASE_TYPES.has(c.baseType)) return true;
  return c.baseType === "varchar" && c.charLength === null;
}
