/**
 * The app's privileges, carried from the source to the target. The built-in load
 * (`pg_dump --no-owner --no-privileges`) and most schema tools leave them out, so after a
 * switch the app would meet "permission denied". Ownership is not carried: with --no-owner
 * the target's login owns every object, and grants to the source's owner are skipped.
 * Only grants are replayed, never revokes (a REVOKE … FROM PUBLIC on the source is not
 * repeated), and role memberships are the user's to make, like the roles themselves.
 */
import type { PgClient } from "../../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../../plan/sql-text.js";
import type { Finding } from "../../state/schema.js";

/** The PUBLIC pseudo-role (no real role can be named "public"). */
export const PUBLIC_ROLE = "public";

export type PrivilegeKind = "schema" | "table" | "sequence" | "column" | "routine" | "default";

/** One privilege granted on the source, as aclexplode lists it. */
export interface SourcePrivilege {
  kind: PrivilegeKind;
  schema: string;
  /** Table, sequence or routine name; for "default" the object type: TABLES, SEQUENCES, FUNCTIONS, TYPES. */
  name: string | null;
  /** A routine's identity arguments (SQL text); a column privilege's column. */
  detail: string | null;
  privilege: string;
  /** A role name, or PUBLIC_ROLE. */
  grantee: string;
  /** Whether the grantee can log in on the source (to say CREATE ROLE … LOGIN or NOLOGIN). */
  granteeLogin: boolean;
  grantable: boolean;
}

const notExtensionMember = (classid: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${classid}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

/**
 * Every ACL entry on the schemas, their tables, views, sequences, columns and routines, and the
 * schemas' default privileges, in one query. Grants to the object's owner (they come with
 * ownership) and to superusers (they need none) are left out.
 */
const PRIVILEGES_SQL = `
WITH s AS (SELECT oid, nspname, nspowner, nspacl FROM pg_namespace WHERE nspname = ANY($1::text[])),
acl AS (
  SELECT 'schema' AS kind, s.nspname AS schema, NULL::text AS name, NULL::text AS detail, s.nspowner AS owner, s.nspacl AS acl FROM s
  UNION ALL
  SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, s.nspname, c.relname, NULL, c.relowner, c.relacl
    FROM pg_class c JOIN s ON s.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${notExtensionMember("pg_class", "c.oid")}
  UNION ALL
  SELECT 'column', s.nspname, c.relname, a.attname, c.relowner, a.attacl
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN s ON s.oid = c.relnamespace
   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${notExtensionMember("pg_class", "c.oid")}
  UNION ALL
  SELECT 'routine', s.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.proowner, p.proacl
    FROM pg_proc p JOIN s ON s.oid = p.pronamespace
   WHERE ${notExtensionMember("pg_proc", "p.oid")}
  UNION ALL
  SELECT 'default', s.nspname,
         CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' END,
         NULL, d.defaclrole, d.defaclacl
    FROM pg_default_acl d JOIN s ON s.oid = d.defaclnamespace
   WHERE d.defaclobjtype IN ('r', 'S', 'f', 'T')
)
SELECT acl.kind, acl.schema, acl.name, acl.detail, x.privilege_type AS privilege, x.is_grantable AS grantable,
       CASE WHEN x.grantee = 0 THEN '${PUBLIC_ROLE}' ELSE r.rolname::text END AS grantee,
       coalesce(r.rolcanlogin, false) AS grantee_login
  FROM acl CROSS JOIN LATERAL aclexplode(acl.acl) x
  LEFT JOIN pg_roles r ON r.oid = x.grantee
 WHERE acl.acl IS NOT NULL AND x.grantee <> acl.owner AND NOT coalesce(r.rolsuper, false)
 ORDER BY 1, 2, 3, 4, 5, 7`;

/** The privileges granted on the source's `schemas` and the objects in them. */
export async function readPrivileges(client: PgClient, schemas: readonly string[]): Promise<SourcePrivilege[]> {
  const { rows } = await client.query<{ kind: PrivilegeKind; schema: string; name: string | null; detail: string | null; privilege: string; grantable: boolean; grantee: string; grantee_login: boolean }>(
    PRIVILEGES_SQL,
    [schemas],
  );
  return rows.map((r) => ({ kind: r.kind, schema: r.schema, name: r.name, detail: r.detail, privilege: r.privilege, grantee: r.grantee, granteeLogin: r.grantee_login, grantable: r.grantable }));
}

/** Which of `roles` exist on the server (PUBLIC always does). */
export async function existingRoles(client: PgClient, roles: readonly string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", [roles]);
  return new Set([PUBLIC_ROLE, ...rows.map((r) => r.rolname)]);
}

export const granteeSql = (grantee: string): string => (grantee === PUBLIC_ROLE ? "PUBLIC" : quoteIdent(grantee));

/** The `ON …` part of a GRANT for one privilege's object. */
function objectClause(p: SourcePrivilege): string {
  const name = p.name ?? "";
  switch (p.kind) {
    case "schema":
      return `SCHEMA ${quoteIdent(p.schema)}`;
    case "table":
    case "column":
      return `TABLE ${qualified(p.schema, name)}`;
    case "sequence":
      return `SEQUENCE ${qualified(p.schema, name)}`;
    case "routine":
      return `ROUTINE ${qualified(p.schema, name)}(${p.detail ?? ""})`;
    case "default":
      return `${name} IN SCHEMA ${quoteIdent(p.schema)}`;
  }
}

const KIND_ORDER: PrivilegeKind[] = ["schema", "table", "sequence", "column", "routine", "default"];

/**
 * Pure: one GRANT per object, grantee and grant option, listing its privileges (column
 * privileges as `SELECT ("col")`). Default privileges become `ALTER DEFAULT PRIVILEGES IN
 * SCHEMA …` for the login that runs them: on the target it owns the objects and is the one
 * that will create new ones.
 */
export function grantStatements(privileges: readonly SourcePrivilege[]): Map<string, string[]> {
  const groups = new Map<string, { grantee: string; kind: PrivilegeKind; head: string; items: string[]; grantable: boolean }>();
  for (const p of privileges) {
    const on = objectClause(p);
    const key = `${p.grantee}\0${on}\0${p.grantable}`;
    const item = p.kind === "column" ? `${p.privilege} (${quoteIdent(p.detail ?? "")})` : p.privilege;
    const g = groups.get(key) ?? { grantee: p.grantee, kind: p.kind, head: on, items: [], grantable: p.grantable };
    if (!g.items.includes(item)) g.items.push(item);
    // Column privileges share the table's statement, after its whole-table privileges.
    if (p.kind === "table") g.kind = "table";
    g.items.sort((a, b) => Number(a.includes("(")) - Number(b.includes("(")));
    groups.set(key, g);
  }
  const sorted = [...groups.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  const byGrantee = new Map<string, string[]>();
  for (const g of sorted) {
    const grant = `GRANT ${g.items.join(", ")} ON ${g.head} TO ${granteeSql(g.grantee)}${g.grantable ? " WITH GRANT OPTION" : ""}`;
    const statement = g.kind === "default" ? grant.replace(/^GRANT (.*) ON (\w+) IN SCHEMA (.*?) TO /, "ALTER DEFAULT PRIVILEGES IN SCHEMA $3 GRANT $1 ON $2 TO ") : grant;
    byGrantee.set(g.grantee, [...(byGrantee.get(g.grantee) ?? []), statement]);
  }
  return byGrantee;
}

export interface MissingRole {
  role: string;
  login: boolean;
  /** The GRANTs it would get, for the user to run after creating it. */
  statements: string[];
}

export interface PrivilegePlan {
  /** GRANT statements for roles that exist on the target (and PUBLIC). */
  grants: string[];
  /** The grantees those statements are for. */
  grantees: string[];
  /** Grantees the target has no role for. */
  missing: MissingRole[];
}

/** Pure: what can be granted now, and which roles must be created on the target first. */
export function planPrivileges(privileges: readonly SourcePrivilege[], onTarget: ReadonlySet<string>): PrivilegePlan {
  const plan: PrivilegePlan = { grants: [], grantees: [], missing: [] };
  for (const [grantee, statements] of grantStatements(privileges)) {
    if (onTarget.has(grantee)) {
      plan.grants.push(...statements);
      plan.grantees.push(grantee);
    } else {
      plan.missing.push({ role: grantee, login: privileges.some((p) => p.grantee === grantee && p.granteeLogin), statements });
    }
  }
  return plan;
}

/** The commands that create a missing role on the target; the password is the user's to choose. */
export function createRoleSql(m: MissingRole): string {
  return m.login ? `CREATE ROLE ${quoteIdent(m.role)} LOGIN PASSWORD '<the password the app will use>';` : `CREATE ROLE ${quoteIdent(m.role)} NOLOGIN;`;
}

/** One warning per role the source grants to but the target lacks, with the exact commands. */
export function missingRoleFindings(plan: PrivilegePlan, rerun: string): Finding[] {
  return plan.missing.map((m) => ({
    check: "privileges.role-missing",
    severity: "warning" as const,
    title: `Role ${m.role} does not exist on the target, so it was granted nothing there`,
    found: `The source grants ${m.role} ${m.statements.length} privilege statement(s) on the migrated schemas; if the app logs in as ${m.role}, it gets "permission denied" on the target.`,
    fix: [`On the target (Aurora), as its master user, run:`, `  ${createRoleSql(m)}`, ...m.statements.map((s) => `  ${s};`), rerun].join("\n"),
  }));
}

export interface GrantOutcome {
  granted: string[];
  failed: { statement: string; error: string }[];
}

/**
 * Runs the GRANTs in one transaction; each behind a savepoint so one object the target lacks
 * (a view parity only warned about) does not hold back the rest. Granting twice is harmless.
 */
export async function applyGrants(client: PgClient, statements: readonly string[]): Promise<GrantOutcome> {
  const outcome: GrantOutcome = { granted: [], failed: [] };
  if (statements.length === 0) return outcome;
  await client.query("BEGIN");
  try {
    for (const statement of statements) {
      await client.query("SAVEPOINT grant_one");
      try {
        await client.query(statement);
        await client.query("RELEASE SAVEPOINT grant_one");
        outcome.granted.push(statement);
      } catch (err) {
        await client.query("ROLLBACK TO SAVEPOINT grant_one");
        outcome.failed.push({ statement, error: err instanceof Error ? err.message : String(err) });
      }
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
  return outcome;
}
