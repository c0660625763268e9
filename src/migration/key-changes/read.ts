import type { PgClient } from "../../adapters/postgres/connect.js";
import { KEY_CHANGES_QUALIFIED } from "./objects.js";

/** The keys one table had changed: every old and every new key, each once. */
export interface ChangedTable {
  /** The table's current name on the source (the name it had then, when it was dropped since). */
  schema: string;
  table: string;
  /** False when the table no longer exists on the source. */
  exists: boolean;
  /** Each key as the JSON text the trigger recorded, e.g. `{"id": 5}`: kept as text, so a 30-digit numeric key stays exact. */
  keys: string[];
}

export interface ChangedKeys {
  /** Rows in the key-change table: how many key-changing UPDATEs the source saw. */
  changes: number;
  tables: ChangedTable[];
}

/** How many key-changing UPDATEs were recorded (cheap: the table holds only those). */
export async function countKeyChanges(source: PgClient): Promise<number> {
  const { rows } = await source.query<{ n: string }>(`SELECT count(*) AS n FROM ${KEY_CHANGES_QUALIFIED}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Every key touched by a recorded key change, old and new, per table. Reads only the
 * key-change table and the catalog: the cost follows the number of changes, never the size of
 * the app's tables.
 */
export async function readChangedKeys(source: PgClient): Promise<ChangedKeys> {
  const changes = await countKeyChanges(source);
  if (changes === 0) return { changes, tables: [] };
  const { rows } = await source.query<{ schema: string; table: string; exists: boolean; keys: string[] }>(
    `WITH touched AS (
       SELECT relid, schema_name, table_name, old_key AS key FROM ${KEY_CHANGES_QUALIFIED}
       UNION
       SELECT relid, schema_name, table_name, new_key FROM ${KEY_CHANGES_QUALIFIED}
     )
     SELECT coalesce(n.nspname::text, max(k.schema_name)) AS schema,
            coalesce(c.relname::text, max(k.table_name)) AS table,
            c.oid IS NOT NULL AS exists,
            array_agg(DISTINCT k.key::text) AS keys
       FROM touched k
       LEFT JOIN pg_catalog.pg_class c ON c.oid = k.relid
       LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      GROUP BY k.relid, c.oid, n.nspname, c.relname
      ORDER BY 1, 2`,
  );
  return { changes, tables: rows };
}
