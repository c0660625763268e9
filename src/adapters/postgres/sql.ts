/** SQL text the catalog readers share. Quoting lives in plan/sql-text.ts. */

/** Schemas that are never the user's data. */
export const SYSTEM_SCHEMA_SQL = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
