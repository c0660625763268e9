import type { PgClient } from "../../adapters/postgres/connect.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { quoteIdent } from "../../plan/sql-text.js";

/** DMS's DDL-capture objects on the source (docs/dms-notes.md §5), in the order they must go. */
export interface DmsArtefacts {
  eventTrigger: boolean;
  /** Schemas holding a function awsdms_intercept_ddl(). */
  functionSchemas: string[];
  /** Schemas holding a table awsdms_ddl_audit. */
  tableSchemas: string[];
}

/** Finds them in whichever schema DMS used (DdlArtifactsSchema, default public). */
export async function findDmsArtefacts(client: PgClient): Promise<DmsArtefacts> {
  const { rows } = await client.query<{ trigger: boolean; functions: string[]; tables: string[] }>(
    `SELECT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'awsdms_intercept_ddl') AS trigger,
            array(SELECT n.nspname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE p.proname = 'awsdms_intercept_ddl' AND p.pronargs = 0 ORDER BY 1) AS functions,
            array(SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.relname = 'awsdms_ddl_audit' AND c.relkind IN ('r', 'p') ORDER BY 1) AS tables`,
  );
  const r = rows[0]!;
  return { eventTrigger: r.trigger, functionSchemas: r.functions, tableSchemas: r.tables };
}

/** The statements that remove them: event trigger, then function, then table (docs/dms-notes.md §5's order). */
export function dmsArtefactDropSql(a: DmsArtefacts): string[] {
  return [
    ...(a.eventTrigger ? ["DROP EVENT TRIGGER IF EXISTS awsdms_intercept_ddl"] : []),
    ...a.functionSchemas.map((s) => `DROP FUNCTION IF EXISTS ${quoteIdent(s)}.awsdms_intercept_ddl()`),
    ...a.tableSchemas.map((s) => `DROP TABLE IF EXISTS ${quoteIdent(s)}.awsdms_ddl_audit`),
  ];
}

/** Runs the drops; returns what it removed. */
export async function dropDmsArtefacts(client: PgClient, statements: readonly string[]): Promise<string[]> {
  for (const sql of statements) {
    try {
      await client.query(sql);
    } catch (err) {
      throw new OperationError(`Cannot remove DMS's DDL-capture objects: ${sql} failed: ${errorMessage(err)}`, {
        cause: err,
        hint: "Event triggers belong to a superuser: run the cleanup as one, or run these statements as one:\n" + statements.map((s) => `${s};`).join("\n"),
      });
    }
  }
  return [...statements];
}
