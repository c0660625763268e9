import type { PgClient } from "../adapters/postgres/connect.js";
import { MARKER_QUALIFIED, TOOL_SCHEMA } from "../adapters/postgres/marker.js";
import { OperationError, errorMessage } from "../errors.js";

export type MarkerCleanup = "dropped" | "already-gone" | "schema-kept";

/**
 * Drops the tool's marker table and then its schema, only if nothing else was put there
 * (RESTRICT): someone's own objects in aurora_migrate are left alone and reported.
 */
export async function dropToolSchema(client: PgClient): Promise<MarkerCleanup> {
  const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [TOOL_SCHEMA]);
  if (rows.length === 0) return "already-gone";
  try {
    await client.query(`DROP TABLE IF EXISTS ${MARKER_QUALIFIED}`);
    await client.query(`DROP SCHEMA IF EXISTS "${TOOL_SCHEMA}"`);
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
