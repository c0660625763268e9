import type { PgClient } from "./connect.js";

/**
 * The tool's own objects on the source (and, through the migration, the target): a schema
 * with one small table. At cutover a row is written here after the write freeze; seeing it on
 * the target proves every earlier commit has arrived. The DMS task's
 * table mappings include it, and cleanup drops it.
 */
export const TOOL_SCHEMA = "aurora_migrate";
export const MARKER_TABLE = "cutover_marker";
export const MARKER_QUALIFIED = `"${TOOL_SCHEMA}"."${MARKER_TABLE}"`;

export const MARKER_DDL = [
  `CREATE SCHEMA IF NOT EXISTS "${TOOL_SCHEMA}"`,
  `CREATE TABLE IF NOT EXISTS ${MARKER_QUALIFIED} (
     id bigint PRIMARY KEY,
     token text NOT NULL,
     written_at timestamptz NOT NULL DEFAULT now()
   )`,
  `COMMENT ON TABLE ${MARKER_QUALIFIED} IS 'aurora-migrate cutover marker: safe to drop after the migration (aurora-migrate cleanup does)'`,
];

/** Creates the marker table if missing (idempotent). */
export async function ensureMarkerTable(client: PgClient): Promise<void> {
  for (const sql of MARKER_DDL) await client.query(sql);
}
