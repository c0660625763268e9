import { quoteIdent, quoteLiteral } from "../../plan/sql-text.js";
import type { FreezeChange } from "./record.js";

/** The PUBLIC pseudo-role in plans and records ("public" is reserved: no real role has that name). */
export const PUBLIC_GRANTEE = "public";

export interface RoleFact {
  name: string;
  canLogin: boolean;
  superuser: boolean;
  replication: boolean;
  /** has_database_privilege(role, db, 'CONNECT') now. */
  canConnect: boolean;
  /** The CONNECT grantees this role draws on: itself, "public", or a group role it inherits from. */
  connectVia: string[];
  /** Its own default_transaction_read_only for this database (ALTER ROLE … IN DATABASE), null when unset. */
  readOnlyInDatabase: string | null;
}

export interface FreezeFacts {
  database: string;
  /** The login the tool runs as on the source. */
  toolRole: string;
  toolIsSuperuser: boolean;
  /** Superuser or a member of the database owner: may GRANT/REVOKE CONNECT. */
  toolCanGrant: boolean;
  /** Superuser or CREATEROLE: may ALTER ROLE … NOLOGIN / SET. */
  toolCanAlterRoles: boolean;
  /** CONNECT entries of the database's ACL (the default ACL when none is set). */
  connectAcl: { grantee: string; grantable: boolean }[];
  /** Every role except PostgreSQL's built-in pg_* roles. */
  roles: RoleFact[];
}

export interface FreezePlan {
  changes: FreezeChange[];
  /** Blocking: the freeze cannot be made as asked. */
  problems: string[];
  warnings: string[];
}

/**
 * The roles frozen by default: those that can log in and connect to the database, except the
 * tool's own login (it must keep working to drain, and to lift the freeze), superusers (a
 * superuser ignores CONNECT privileges and can undo any freeze, so the app should not run as
 * one: choose it explicitly, or use a freeze hook) and roles with REPLICATION (DMS's login
 * among them: its CDC stream must keep flowing through the drain).
 */
export function defaultFreezeRoles(f: FreezeFacts): string[] {
  return f.roles.filter((r) => r.canLogin && r.canConnect && !r.superuser && !r.replication && r.name !== f.toolRole).map((r) => r.name);
}

/** Roles that may be chosen: every login role but the tool's own. */
export function freezableRoles(f: FreezeFacts): RoleFact[] {
  return f.roles.filter((r) => r.canLogin && r.name !== f.toolRole);
}

/**
 * Pure: the changes that take the write access of `chosen` away on this database, in the
 * order they are applied. CONNECT is revoked where the tool may (it stays on this database);
 * NOLOGIN (cluster-wide) only where CONNECT cannot be taken: a superuser, or a role that has
 * CONNECT through a group other roles share. When PUBLIC loses CONNECT, every role that keeps
 * access and had it only through PUBLIC gets an explicit grant first (DMS's login, the tool's).
 */
export function planFreeze(f: FreezeFacts, chosen: readonly string[]): FreezePlan {
  const problems: string[] = [];
  const warnings: string[] = [];
  const byName = new Map(f.roles.map((r) => [r.name, r]));
  const frozen: RoleFact[] = [];
  for (const name of chosen) {
    const role = byName.get(name);
    if (!role) problems.push(`Role "${name}" does not exist on the source.`);
    else if (name === f.toolRole) problems.push(`Role "${name}" is the tool's own login; freezing it would lock the cutover out. Give the app a role of its own, or use a freeze hook.`);
    else frozen.push(role);
  }
  if (frozen.length === 0 && problems.length === 0) problems.push("No role chosen to freeze.");

  const guards: FreezeChange[] = [];
  const revokes: FreezeChange[] = [];
  const nologins: FreezeChange[] = [];
  let revokePublic = false;
  for (const role of frozen) {
    if (role.replication) warnings.push(`Role "${role.name}" has REPLICATION: if it is DMS's login, freezing it stops the drain.`);
    if (f.toolCanAlterRoles) guards.push({ kind: "read-only-default", role: role.name, previous: role.readOnlyInDatabase });
    const viaGroup = role.connectVia.some((g) => g !== role.name && g !== PUBLIC_GRANTEE);
    if (role.superuser || viaGroup || !f.toolCanGrant) {
      if (role.superuser) warnings.push(`Role "${role.name}" is a superuser: it ignores CONNECT privileges, so it is set NOLOGIN (on the whole server), and it could undo the freeze itself.`);
      if (role.superuser && !f.toolIsSuperuser) {
        problems.push(`Role "${role.name}" is a superuser and only a superuser can set it NOLOGIN; ${f.toolRole} is not one. Use a freeze hook instead.`);
      } else if (!f.toolCanAlterRoles) {
        problems.push(
          `${f.toolRole} can neither revoke CONNECT on database ${f.database} from "${role.name}" (it is not the owner or a superuser${viaGroup ? `, and the role connects through ${role.connectVia.filter((g) => g !== role.name && g !== PUBLIC_GRANTEE).join(", ")}` : ""}) nor set it NOLOGIN (no CREATEROLE). Run the cutover as the database owner or a superuser, or use a freeze hook.`,
        );
      } else {
        nologins.push({ kind: "nologin", role: role.name });
      }
      continue;
    }
    const own = f.connectAcl.find((a) => a.grantee === role.name);
    if (own) revokes.push({ kind: "revoke-connect", grantee: role.name, grantable: own.grantable });
    if (role.connectVia.includes(PUBLIC_GRANTEE)) revokePublic = true;
  }
  if (!f.toolCanAlterRoles && frozen.length) {
    warnings.push(`${f.toolRole} may not ALTER ROLE (no CREATEROLE), so default_transaction_read_only is not set as a second guard; the revoked CONNECT is the freeze.`);
  }

  const grants: FreezeChange[] = [];
  if (revokePublic) {
    const publicEntry = f.connectAcl.find((a) => a.grantee === PUBLIC_GRANTEE);
    const frozenNames = new Set(frozen.map((r) => r.name));
    for (const keep of f.roles) {
      if (frozenNames.has(keep.name) || !keep.canLogin || keep.superuser || !keep.canConnect) continue;
      // Keeps CONNECT by itself or through a group: nothing to add.
      if (keep.connectVia.some((g) => g !== PUBLIC_GRANTEE)) continue;
      grants.push({ kind: "grant-connect", grantee: keep.name });
    }
    revokes.unshift({ kind: "revoke-connect", grantee: PUBLIC_GRANTEE, grantable: publicEntry?.grantable ?? false });
  }
  return { changes: [...guards, ...grants, ...revokes, ...nologins], problems, warnings };
}

const role = (name: string): string => (name === PUBLIC_GRANTEE ? "PUBLIC" : quoteIdent(name));

/** The statement that applies a change. */
export function applySql(c: FreezeChange, database: string): string {
  const db = quoteIdent(database);
  switch (c.kind) {
    case "read-only-default":
      return `ALTER ROLE ${role(c.role)} IN DATABASE ${db} SET default_transaction_read_only = on`;
    case "grant-connect":
      return `GRANT CONNECT ON DATABASE ${db} TO ${role(c.grantee)}`;
    case "revoke-connect":
      return `REVOKE CONNECT ON DATABASE ${db} FROM ${role(c.grantee)}`;
    case "nologin":
      return `ALTER ROLE ${role(c.role)} NOLOGIN`;
  }
}

/** The statement that undoes a change exactly; running it when the change never ran changes nothing. */
export function undoSql(c: FreezeChange, database: string): string {
  const db = quoteIdent(database);
  switch (c.kind) {
    case "read-only-default":
      return c.previous === null
        ? `ALTER ROLE ${role(c.role)} IN DATABASE ${db} RESET default_transaction_read_only`
        : `ALTER ROLE ${role(c.role)} IN DATABASE ${db} SET default_transaction_read_only = ${quoteLiteral(c.previous)}`;
    case "grant-connect":
      return `REVOKE CONNECT ON DATABASE ${db} FROM ${role(c.grantee)}`;
    case "revoke-connect":
      return `GRANT CONNECT ON DATABASE ${db} TO ${role(c.grantee)}${c.grantable ? " WITH GRANT OPTION" : ""}`;
    case "nologin":
      return `ALTER ROLE ${role(c.role)} LOGIN`;
  }
}
