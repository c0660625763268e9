import type { PgClient } from "../../adapters/postgres/connect.js";
import { MARKER_QUALIFIED, TOOL_SCHEMA } from "../../adapters/postgres/marker.js";
import { OperationError, errorMessage } from "../../core/errors.js";

/** The statements that drop the marker table and then the tool's schema (printed under --dry-run). */
export const MARKER_DROP_SQL: readonly string[] = [`DROP TABLE IF EXISTS ${MARKER_QUALIFIED}`, `DROP SCHEMA IF EXISTS "${TOOL_SCHEMA}"`];

export type MarkerCleanup = "dropped" | "already-gone" | "schema-kept";

/**
 * Drops the tool's marker table and then its schema, only if nothing else was put there
 * (RESTRICT): someone's own objects in aurora_migrate are left alone and reported.
 */
export async function dropToolSchema(client: PgClient): Promise<MarkerCleanup> {
  const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [TOOL_SCHEMA]);
  if (rows.length === 0) return "already-gone";
  try {
    for (const sql of MARKER_DROP_SQL) await client.query(sql);
  } catch (err) {
    // 2BP01: other objects live in the schema; they are not ours to drop.
    if ((err as { code?: string }).code === "2BP01") return "schema-kept";
    throw new OperationError(`Cannot drop the tool's schema ${TOOL_SCHEMA}: ${errorMessage(err)}`, {
      cause: err,
      hint: `Drop it as its owner: DROP TABLE ${MARKER_QUALIFIED}; DROP SCHEMA "${TOOL_SCHEMA}";`,
    });
  }
  return "dropped";
}
