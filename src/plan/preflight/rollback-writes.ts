/**
 * The rollback window's old-server side (issue 14, item 1): the reverse DMS task writes the
 * app's changes on Aurora back into the old server with the DMS login (the source endpoint's
 * login), in `session_replication_role = replica` as the forward task does on Aurora. So that
 * login needs INSERT, UPDATE and DELETE on every migrated table, and the right to set
 * session_replication_role (a superuser-only parameter: a superuser, or from PostgreSQL 15 a
 * role granted SET on it; on RDS, rds_superuser). Not a blocker: the forward migration needs
 * none of it; without it the rollback window will not work.
 */
import type { Finding } from "../../state/schema.js";
import { readableName } from "../sql-text.js";
import { listSome } from "./check.js";

export interface RollbackWriteFacts {
  /** The login checked (DMS's source login: the one the tool connects with). */
  login: string;
  /** server_version_num. */
  versionNum: number;
  superuser: boolean;
  /** Whether `SET session_replication_role = replica` was accepted for this login. */
  canSetReplicationRole: boolean;
  /** Migrated tables and the write privileges the login lacks on each (empty: none lacking). */
  tables: readonly { schema: string; name: string; missing: readonly ("INSERT" | "UPDATE" | "DELETE")[] }[];
}

export const ROLLBACK_WRITES_CHECK = "rollback.writes";

/** The finding when the old server would refuse the reverse task's writes; undefined when it would accept them. */
export function rollbackWriteFinding(f: RollbackWriteFacts): Finding | undefined {
  const lacking = f.tables.filter((t) => t.missing.length > 0);
  if (lacking.length === 0 && f.canSetReplicationRole) return undefined;
  const login = readableName(f.login);
  const found: string[] = [];
  const fix: string[] = [];
  if (lacking.length > 0) {
    found.push(`${login} cannot write ${lacking.length} of the ${f.tables.length} migrated table(s):\n${listSome(lacking, (t) => `  ${readableName(t.schema, t.name)}: no ${t.missing.join(", ")}`)}`);
    const bySchema = new Map<string, string[]>();
    for (const t of lacking) {
      const names = bySchema.get(t.schema) ?? [];
      names.push(t.name);
      bySchema.set(t.schema, names);
    }
    fix.push("As the tables' owner or a superuser:");
    for (const [schema, names] of bySchema) {
      const all = f.tables.filter((t) => t.schema === schema).length === names.length;
      const on = all ? `ALL TABLES IN SCHEMA ${readableName(schema)}` : names.map((n) => readableName(schema, n)).join(", ");
      fix.push(`  GRANT INSERT, UPDATE, DELETE ON ${on} TO ${login};`);
    }
  }
  if (!f.canSetReplicationRole) {
    found.push(`${login} cannot set session_replication_role (DMS writes with it set to replica, so triggers and foreign keys do not fire twice)`);
    if (f.versionNum >= 150000) fix.push("As a superuser (on RDS, the master user):", "  GRANT SET ON PARAMETER session_replication_role TO " + login + ";");
    else fix.push(`Before PostgreSQL 15 only a superuser may set it: ALTER ROLE ${login} SUPERUSER; (on RDS: GRANT rds_superuser TO ${login};)`);
  }
  return {
    check: ROLLBACK_WRITES_CHECK,
    severity: "warning",
    title: "The old server would refuse the rollback window's writes",
    found: `${found.join("\n")}\nThe migration goes on; the rollback window will not work until this is fixed.`,
    fix: fix.join("\n"),
  };
}
