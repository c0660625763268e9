import { readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";

/**
 * The login's rights. AWS's guide requires a superuser for a self-managed CDC source
 * (docs/dms-notes.md §3); REPLICATION alone is documented only for RDS/Aurora sources.
 */

const DEDICATED_ROLE = "dms_migrator";

function dedicatedLogin(existing: string): string {
  return [
    `ALTER ROLE ${readableName(existing)} WITH SUPERUSER;`,
    "or, better, a login of its own for DMS (drop it after the migration):",
    `CREATE ROLE ${DEDICATED_ROLE} WITH LOGIN SUPERUSER PASSWORD '<choose a password>';`,
  ].join("\n");
}

const loginRights: PreflightCheck = {
  id: "access.login_rights",
  title: "the login may run change capture (superuser)",
  run(facts) {
    const l = facts.login;
    if (l.superuser) return [];
    if (l.replication) {
      return [
        {
          check: this.id,
          severity: "warning",
          title: `${l.name} has REPLICATION but is not a superuser: AWS requires a superuser for a self-managed CDC source`,
          found: `${l.name}: REPLICATION yes, SUPERUSER no`,
          fix: dedicatedLogin(l.name),
        },
      ];
    }
    return [
      {
        check: this.id,
        severity: "blocker",
        title: `${l.name} can neither create nor read a replication slot: DMS cannot capture changes with it`,
        found: `${l.name}: SUPERUSER no, REPLICATION no`,
        fix: dedicatedLogin(l.name),
      },
    ];
  },
};

const tableSelect: PreflightCheck = {
  id: "access.table_select",
  title: "the login may read every table to migrate",
  run(facts) {
    const denied = facts.tables.filter((t) => !t.selectable);
    if (denied.length === 0) return [];
    const schemas = [...new Set(denied.map((t) => t.schema))];
    const user = readableName(facts.login.name);
    return [
      {
        check: this.id,
        severity: "blocker",
        title: `${facts.login.name} may not read ${denied.length} table(s): the full load cannot copy them`,
        found: listSome(denied, (t) => readableName(t.schema, t.name)),
        fix: schemas.map((s) => `GRANT USAGE ON SCHEMA ${readableName(s)} TO ${user};\nGRANT SELECT ON ALL TABLES IN SCHEMA ${readableName(s)} TO ${user};`).join("\n"),
      },
    ];
  },
};

/** What the login could not see (pg_hba has its own check), so nobody reads silence as "fine". */
const visibility: PreflightCheck = {
  id: "access.not_visible",
  title: "the login sees everything the checks read",
  informational: true,
  run(facts) {
    return facts.blindSpots
      .filter((b) => !b.what.startsWith("pg_hba") && !b.what.startsWith("the data of"))
      .map((b) => ({
        check: this.id,
        severity: "info" as const,
        title: `Could not see ${b.what}`,
        found: b.why,
        ...(b.fix ? { fix: `${b.fix}\n(or run check-source as a superuser)` } : {}),
      }));
  },
};

export const accessChecks: readonly PreflightCheck[] = [loginRights, tableSelect, visibility];
