import type { PgClient } from "../../adapters/postgres/connect.js";
import { type FreezeFacts, PUBLIC_GRANTEE } from "./freeze-plan.js";

interface RoleRow {
  name: string;
  can_login: boolean;
  superuser: boolean;
  replication: boolean;
  can_connect: boolean;
  connect_via: string[];
  read_only: string | null;
}

/** Reads what planFreeze needs from the source, as the tool's login, in one round trip each. */
export async function readFreezeFacts(client: PgClient): Promise<FreezeFacts> {
  const db = await client.query<{ database: string; tool_role: string; tool_super: boolean; tool_can_grant: boolean; tool_createrole: boolean }>(
    `SELECT current_database() AS database, current_user AS tool_role, r.rolsuper AS tool_super,
            (r.rolsuper OR pg_has_role(current_user, d.datdba, 'USAGE')) AS tool_can_grant,
            (r.rolsuper OR r.rolcreaterole) AS tool_createrole
       FROM pg_database d, pg_roles r
      WHERE d.datname = current_database() AND r.rolname = current_user`,
  );
  const head = db.rows[0]!;
  const acl = await client.query<{ grantee: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN '${PUBLIC_GRANTEE}' ELSE pg_get_userbyid(a.grantee)::text END AS grantee, a.is_grantable AS grantable
       FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
      WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT'`,
  );
  const roles = await client.query<RoleRow>(
    `WITH acl AS (
       SELECT a.grantee FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
        WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT')
     SELECT r.rolname::text AS name, r.rolcanlogin AS can_login, r.rolsuper AS superuser, r.rolreplication AS replication,
            has_database_privilege(r.oid, current_database(), 'CONNECT') AS can_connect,
            array(SELECT (CASE WHEN acl.grantee = 0 THEN '${PUBLIC_GRANTEE}' ELSE pg_get_userbyid(acl.grantee)::text END)::text
                    FROM acl WHERE acl.grantee = 0 OR pg_has_role(r.oid, acl.grantee, 'USAGE') ORDER BY 1) AS connect_via,
            (SELECT substr(c, length('default_transaction_read_only=') + 1)
               FROM pg_db_role_setting s, unnest(s.setconfig) c
              WHERE s.setrole = r.oid AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND c LIKE 'default\\_transaction\\_read\\_only=%') AS read_only
       FROM pg_roles r
      WHERE r.rolname !~ '^pg_'
      ORDER BY r.rolname`,
  );
  return {
    database: head.database,
    toolRole: head.tool_role,
    toolIsSuperuser: head.tool_super,
    toolCanGrant: head.tool_can_grant,
    toolCanAlterRoles: head.tool_createrole,
    connectAcl: acl.rows,
    roles: roles.rows.map((r) => ({
      name: r.name,
      canLogin: r.can_login,
      superuser: r.superuser,
      replication: r.replication,
      canConnect: r.can_connect,
      connectVia: r.connect_via,
      readOnlyInDatabase: r.read_only,
    })),
  };
}
