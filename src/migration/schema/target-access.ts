/**
 * Before the cutover switches the app: can its roles do on the target what they do on the
 * source? Switching an app to a database it cannot read is an outage, so a gap blocks.
 */
import type { PgClient } from "../../adapters/postgres/connect.js";
import { BlockedError } from "../../core/errors.js";
import { PUBLIC_ROLE, createRoleSql, existingRoles, grantStatements, readPrivileges } from "./privileges.js";

/** What one role may do in one schema: use it, and read or write any table in it. */
export interface SchemaAccess {
  role: string;
  schema: string;
  usage: boolean;
  tables: boolean;
}

/** Rows only for roles that exist on the server. */
async function readAccess(client: PgClient, roles: readonly string[], schemas: readonly string[]): Promise<SchemaAccess[]> {
  const { rows } = await client.query<SchemaAccess>(
    `SELECT r.rolname::text AS role, s.nspname::text AS schema,
            has_schema_privilege(r.oid, s.oid, 'USAGE') AS usage,
            EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = s.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                       AND has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')) AS tables
       FROM pg_roles r CROSS JOIN pg_namespace s
      WHERE r.rolname = ANY($1::text[]) AND s.nspname = ANY($2::text[])`,
    [roles, schemas],
  );
  return rows;
}

/** Pure: one line per role and schema where the source lets the role in and the target does not. */
export function accessGaps(source: readonly SchemaAccess[], target: readonly SchemaAccess[]): { role: string; schema: string; problem: string }[] {
  const gaps: { role: string; schema: string; problem: string }[] = [];
  for (const s of source) {
    if (!s.usage || !s.tables) continue;
    const t = target.find((x) => x.role === s.role && x.schema === s.schema);
    if (!t) gaps.push({ role: s.role, schema: s.schema, problem: `role ${s.role} does not exist on the target` });
    else if (!t.usage) gaps.push({ role: s.role, schema: s.schema, problem: `role ${s.role} has no USAGE on schema ${s.schema} on the target` });
    else if (!t.tables) gaps.push({ role: s.role, schema: s.schema, problem: `role ${s.role} has no privilege on any table in schema ${s.schema} on the target` });
  }
  return gaps;
}

/**
 * Blocks (exit 3) when a role the app uses — `roles`, or with none given every role the source
 * grants to in `schemas` — reads and writes tables there on the source but could not on the
 * target. The error lists the commands that fix it.
 */
export async function assertTargetAccess(source: PgClient, target: PgClient, schemas: readonly string[], roles?: readonly string[]): Promise<void> {
  const privileges = await readPrivileges(source, schemas);
  const candidates = roles ?? [...new Set(privileges.map((p) => p.grantee).filter((g) => g !== PUBLIC_ROLE))];
  if (candidates.length === 0) return;
  const gaps = accessGaps(await readAccess(source, candidates, schemas), await readAccess(target, candidates, schemas));
  if (gaps.length === 0) return;
  const onTarget = await existingRoles(target, candidates);
  const statements = grantStatements(privileges);
  const fix: string[] = [];
  for (const role of [...new Set(gaps.map((g) => g.role))]) {
    if (!onTarget.has(role)) fix.push(`  ${createRoleSql({ role, login: privileges.some((p) => p.grantee === role && p.granteeLogin) || roles !== undefined, statements: [] })}`);
    fix.push(...(statements.get(role) ?? []).map((s) => `  ${s};`));
  }
  throw new BlockedError(`The app's role(s) ${[...new Set(gaps.map((g) => g.role))].join(", ")} cannot use the target: switching now would be an outage. Nothing was changed.`, {
    details: [...gaps.map((g) => `- ${g.problem}`), "Run on the target (Aurora), as its master user:", ...fix],
    hint: "Then run `aurora-migrate cutover` again.",
  });
}
