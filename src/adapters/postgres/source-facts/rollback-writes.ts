import type { RollbackWriteFacts } from "../../../plan/preflight/rollback-writes.js";
import type { PgClient } from "../connect.js";

type Privilege = "INSERT" | "UPDATE" | "DELETE";
const PRIVILEGES: readonly Privilege[] = ["INSERT", "UPDATE", "DELETE"];

/**
 * What the rollback window needs of the old server, read as the login the tool connects with
 * (DMS's source login): its write privileges on the migrated tables, and whether it may set
 * session_replication_role, tried for real in a transaction that is rolled back (nothing is
 * written; it answers for RDS's rds_superuser too, which no catalog column shows).
 */
export async function readRollbackWriteFacts(client: PgClient, schemas: readonly string[]): Promise<RollbackWriteFacts> {
  const who = await client.query<{ login: string; superuser: boolean; version_num: string }>(
    "SELECT current_user AS login, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, current_setting('server_version_num') AS version_num",
  );
  const tables = await client.query<{ schema: string; name: string; ins: boolean; upd: boolean; del: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            has_table_privilege(c.oid, 'INSERT') AS ins, has_table_privilege(c.oid, 'UPDATE') AS upd, has_table_privilege(c.oid, 'DELETE') AS del
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[])
      ORDER BY 1, 2`,
    [schemas],
  );
  let canSetReplicationRole = true;
  await client.query("BEGIN");
  try {
    await client.query("SET LOCAL session_replication_role = replica");
  } catch (err) {
    if ((err as { code?: string }).code !== "42501") throw err;
    canSetReplicationRole = false;
  } finally {
    await client.query("ROLLBACK");
  }
  const row = who.rows[0];
  return {
    login: row?.login ?? "?",
    versionNum: Number(row?.version_num ?? 0),
    superuser: row?.superuser === true,
    canSetReplicationRole,
    tables: tables.rows.map((t) => ({ schema: t.schema, name: t.name, missing: PRIVILEGES.filter((_, i) => ![t.ins, t.upd, t.del][i]) })),
  };
}
