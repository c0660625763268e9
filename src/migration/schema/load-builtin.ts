import type { PgClient } from "../../adapters/postgres/connect.js";
import { quoteIdent } from "../../plan/sql-text.js";
import type { PgLocation } from "../../adapters/postgres/url.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { type DumpEntry, type ParsedDump, dumpSchemaSection, parseDump, renderDump, tolerateExistingSchemas, withoutToolTriggers } from "./dump.js";
import type { PgTool } from "./pg-tools.js";
import { runPsqlScript } from "./psql.js";
import type { SetAsideChoice } from "./set-aside.js";

/** `"Foo"` → `Foo`; a plain name unchanged. */
function unquote(name: string): string {
  return /^".*"$/.test(name) ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/**
 * Pure: whether a post-data entry waits for the full load. Foreign keys always; with
 * `indexes`, secondary indexes and unique/exclusion constraints; the attachment of a
 * partition's index to its parent's when that index is set aside; and comments on whatever is
 * set aside (`setAsideNames` holds `schema.name` of those objects and of their partitions'
 * indexes; they carry their comment). Primary keys, with the attachment of each partition's
 * key (without it the partitioned table's key stays invalid), triggers, rules and the rest go
 * in now: DMS needs the keys, and triggers do not fire under DMS's session_replication_role = replica.
 */
export function isDeferred(e: DumpEntry, choice: SetAsideChoice, setAsideNames: ReadonlySet<string>): boolean {
  switch (e.type) {
    case "FK CONSTRAINT":
      return true;
    case "INDEX":
      return choice.indexes;
    case "INDEX ATTACH":
      // The entry is named after the partition's index (unquoted) in that index's schema.
      return setAsideNames.has(`${e.schema}.${e.name}`);
    case "CONSTRAINT":
      return choice.indexes && !/\bPRIMARY KEY\b/.test(e.text);
    case "COMMENT": {
      const m = /^(INDEX|CONSTRAINT) (.+?)(?: ON .*)?$/.exec(e.name);
      return m !== null && setAsideNames.has(`${e.schema}.${unquote(m[2]!)}`);
    }
    default:
      return false;
  }
}

/** Pure: the part of post-data that goes in now. */
export function postDataNow(dump: ParsedDump, choice: SetAsideChoice, setAsideNames: ReadonlySet<string>): ParsedDump {
  return { ...dump, entries: dump.entries.filter((e) => !isDeferred(e, choice, setAsideNames)) };
}

interface ExtensionRow {
  name: string;
  schema: string;
}

/**
 * pg_dump -n does not dump extensions; the source's are created on the target first (in the
 * schema they live in on the source), so the tables and functions that use them load.
 */
export async function createSourceExtensions(source: PgClient, target: PgClient): Promise<string[]> {
  const { rows } = await source.query<ExtensionRow>(
    "SELECT x.extname AS name, n.nspname AS schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname <> 'plpgsql' ORDER BY 1",
  );
  for (const x of rows) {
    try {
      await target.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(x.schema)}`);
      await target.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(x.name)} WITH SCHEMA ${quoteIdent(x.schema)} CASCADE`);
    } catch (err) {
      throw new OperationError(`The extension ${x.name} (used on the source) cannot be created on the target: ${errorMessage(err)}`, {
        hint: `Check that the target offers ${x.name} (SELECT * FROM pg_available_extensions WHERE name = '${x.name}') and that the target login may create it (on Aurora: rds_superuser).`,
        cause: err,
      });
    }
  }
  return rows.map((r) => r.name);
}

/** Tables the target already has in `schemas` (a non-empty list means an earlier load). */
export async function existingTables(target: PgClient, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await target.query<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) ORDER BY 1`,
    [schemas],
  );
  return rows.map((r) => r.t);
}

/** Drops the chosen schemas on the target (after the user confirmed), for a clean reload. */
export async function dropSchemas(target: PgClient, schemas: readonly string[]): Promise<void> {
  for (const s of schemas) await target.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`);
}

export interface BuiltInLoadOptions {
  tool: PgTool;
  source: PgLocation;
  sourcePassword: string | undefined;
  target: PgLocation;
  targetPassword: string | undefined;
  schemas: readonly string[];
  choice: SetAsideChoice;
  /** `schema.name` of every object set aside (from readSetAside on the source). */
  setAsideNames: ReadonlySet<string>;
}

/**
 * pg_dump's pre-data section of `schemas`, then the part of post-data that does not wait,
 * through psql in one transaction: all of it loads, or none of it.
 */
export async function loadSchemaBuiltIn(o: BuiltInLoadOptions): Promise<{ entries: number; deferred: number }> {
  const [pre, post] = await Promise.all([
    dumpSchemaSection(o.tool, o.source, o.sourcePassword, o.schemas, "pre-data"),
    dumpSchemaSection(o.tool, o.source, o.sourcePassword, o.schemas, "post-data"),
  ]);
  const preData = tolerateExistingSchemas(parseDump(pre));
  const postData = withoutToolTriggers(parseDump(post));
  const now = postDataNow(postData, o.choice, o.setAsideNames);
  await runPsqlScript(o.tool.psql, o.target, o.targetPassword, renderDump(preData) + "\n" + renderDump(now), `the schema of ${o.schemas.map(quoteIdent).join(", ")}`);
  return { entries: preData.entries.length + now.entries.length, deferred: postData.entries.length - now.entries.length };
}
