/**
 * `LastFailureMessage` texts in DMS's manner ("Last Error … Stop Reason FATAL_ERROR Error Level
 * FATAL"), carrying PostgreSQL's own message, detail and hint, so a user reading the wizard's
 * report sees why the task failed and where.
 */
import { errorMessage } from "../core/errors.js";
import { qualified } from "../plan/sql-text.js";
import { TableLoadError } from "./table-copy.js";
import type { TargetTablePrepMode } from "./task-settings.js";

const TAIL = "Stop Reason FATAL_ERROR Error Level FATAL";

function postgresText(err: unknown): string {
  const e = err as { message?: string; detail?: string; hint?: string; code?: string };
  const parts = [`ERROR: ${e.message ?? errorMessage(err)}`];
  if (e.code) parts[0] += ` (SQLSTATE ${e.code})`;
  if (e.detail) parts.push(`DETAIL: ${e.detail}`);
  if (e.hint) parts.push(`HINT: ${e.hint}`);
  return parts.join("; ");
}

export function failureMessage(err: unknown, prepMode: TargetTablePrepMode): string {
  if (err instanceof TableLoadError) {
    const table = qualified(err.table.schema, err.table.table);
    if (err.step === "truncate") {
      return `Last Error Database error. Failed to prepare table ${table} on the target (TargetTablePrepMode ${prepMode}): TRUNCATE failed: ${postgresText(err.error)}; ${TAIL}`;
    }
    return `Last Error Database error. Failed to load table ${table} during the full load: ${postgresText(err.error)}; ${TAIL}`;
  }
  const pgLike = (err as { code?: unknown }).code !== undefined && typeof (err as { severity?: unknown }).severity === "string";
  return `Last Error ${pgLike ? `Database error. ${postgresText(err)}` : errorMessage(err)}; ${TAIL}`;
}

export function noTablesMessage(): string {
  return `Last Error No tables were found at task initialization. Either the selected table(s) or schemas(s) no longer exist or no explicit table(s) or schema(s) were selected in the table mappings.; ${TAIL}`;
}
