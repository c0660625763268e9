import type { PgClient } from "../../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../../plan/sql-text.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import type { ChangedTable } from "./read.js";

/** Which way the rows are re-copied, in the words of the messages (the cutover's, or the rollback's). */
export interface RepairSides {
  /** Where the rows are read, e.g. "the source". */
  from: string;
  /** Where they are written, e.g. "the target". */
  to: string;
  /** What to run once fixed, e.g. "run the cutover again". */
  rerun: string;
  /** How to create a table missing on `to`. */
  createHint: string;
  /** How to get a login that may set session_replication_role on `to`. */
  roleHint: string;
}

/** The cutover's direction: the source's rows onto the target. */
export const CUTOVER_SIDES: RepairSides = {
  from: "the source",
  to: "the target",
  rerun: "run the cutover again",
  createHint: "Create it on the target as on the source (the schema load of step 7), then run the cutover again.",
  roleHint: "Run the cutover with the target's master user (on Aurora it has rds_superuser), as DMS's target endpoint does.",
};

export interface RepairResult {
  /** Distinct keys re-synced (old and new keys of every recorded change). */
  keys: number;
  /** Rows copied from the source (a key the source still has). */
  copied: number;
  /** Rows removed from the target (stale rows under a key, before the copy). */
  deleted: number;
  /** `schema.table` of the tables touched. */
  tables: string[];
  /** Tables dropped on the source since their keys changed: nothing to copy. */
  skipped: string[];
}

interface Column {
  name: string;
  /** format_type with the modifier, as written in a column definition list. */
  type: string;
}

interface TableShape {
  /** Columns a row is inserted with (generated columns are computed by the target). */
  columns: Column[];
  key: Column[];
  /** An identity column GENERATED ALWAYS takes a value only with OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
}

/** Text forms are made and read in one unambiguous style on both sides (like pg_dump's sessions). */
const TEXT_STYLE = ["SET LOCAL DateStyle = 'ISO, YMD'", "SET LOCAL IntervalStyle = 'postgres'", "SET LOCAL extra_float_digits = 3", "SET LOCAL bytea_output = 'hex'"];

const KEYS_PER_BATCH = 500;
const MAX_PARAMETERS = 60_000;

async function shape(client: PgClient, schema: string, table: string, where: string, sides: RepairSides): Promise<TableShape | undefined> {
  const { rows } = await client.query<{ name: string; type: string; generated: boolean; identity: string; key_pos: number | null }>(
    `SELECT a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            a.attgenerated <> '' AS generated, a.attidentity::text AS identity,
            array_position(i.indkey::int2[], a.attnum) AS key_pos
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
      ORDER BY a.attnum`,
    [schema, table],
  );
  if (rows.length === 0) return undefined;
  const key = rows.filter((r) => r.key_pos !== null).sort((a, b) => (a.key_pos ?? 0) - (b.key_pos ?? 0));
  if (key.length === 0) {
    throw new OperationError(`${qualified(schema, table)} has no primary key on ${where}, so the rows whose key changed cannot be re-copied there.`, {
      hint: `Give it ${sides.from}'s primary key on ${where} (ALTER TABLE … ADD PRIMARY KEY …), then ${sides.rerun}.`,
    });
  }
  return {
    columns: rows.filter((r) => !r.generated).map((r) => ({ name: r.name, type: r.type })),
    key: key.map((r) => ({ name: r.name, type: r.type })),
    identityAlways: rows.some((r) => r.identity === "a"),
  };
}

/** `(t."a", t."b") IN (SELECT k."a", k."b" FROM jsonb_to_recordset($1) AS k("a" int, "b" text))`: the key index does the work. */
function keyMatch(key: readonly Column[]): string {
  const cols = (alias: string): string => key.map((c) => `${alias}.${quoteIdent(c.name)}`).join(", ");
  const defs = key.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ");
  return `(${cols("t")}) IN (SELECT ${cols("k")} FROM pg_catalog.jsonb_to_recordset($1::jsonb) AS k(${defs}))`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function repairTable(source: PgClient, target: PgClient, t: ChangedTable, result: RepairResult, sides: RepairSides): Promise<void> {
  const name = qualified(t.schema, t.table);
  const src = await shape(source, t.schema, t.table, sides.from, sides);
  const dst = await shape(target, t.schema, t.table, sides.to, sides);
  if (!src) {
    result.skipped.push(`${t.schema}.${t.table}`);
    return;
  }
  if (!dst) {
    throw new OperationError(`${name} had primary keys changed on ${sides.from} but does not exist on ${sides.to}.`, {
      hint: sides.createHint,
    });
  }
  const sourceNames = new Set(src.columns.map((c) => c.name));
  const missing = dst.columns.filter((c) => !sourceNames.has(c.name)).map((c) => c.name);
  if (missing.length) {
    throw new OperationError(`${name} has column(s) ${missing.join(", ")} on ${sides.to} that ${sides.from} lacks, so its changed rows cannot be re-copied.`, {
      hint: `Make the table's columns the same on both sides (aurora-migrate validate lists the differences), then ${sides.rerun}.`,
    });
  }
  const columns = dst.columns;
  const select = `SELECT ARRAY[${columns.map((c) => `t.${quoteIdent(c.name)}::text`).join(", ")}] AS v FROM ${name} t WHERE ${keyMatch(src.key)}`;
  const del = `DELETE FROM ${name} t WHERE ${keyMatch(dst.key)}`;
  const rowsPerInsert = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (const batch of chunks(t.keys, KEYS_PER_BATCH)) {
    const keys = `[${batch.join(",")}]`;
    const { rows } = await source.query<{ v: (string | null)[] }>(select, [keys]);
    // Every stale row under these keys goes first, then the source's rows come back: a swap
    // (a↔b) or a chain (a→b→c) never meets a unique index half-way.
    const deleted = await target.query(del, [keys]);
    result.deleted += deleted.rowCount ?? 0;
    for (const part of chunks(rows, rowsPerInsert)) {
      // Untyped parameters take each column's type: the text goes through the type's own input function, as with COPY.
      const values = part.map((_, r) => `(${columns.map((_c, i) => `$${r * columns.length + i + 1}`).join(", ")})`).join(", ");
      await target.query(
        `INSERT INTO ${name} (${columns.map((c) => quoteIdent(c.name)).join(", ")})${dst.identityAlways ? " OVERRIDING SYSTEM VALUE" : ""} VALUES ${values}`,
        part.flatMap((r) => r.v),
      );
      result.copied += part.length;
    }
  }
  result.keys += t.keys.length;
  result.tables.push(`${t.schema}.${t.table}`);
}

/**
 * Makes the target's rows under every changed key what the source has now: the stale row under
 * a key is removed and the source's row, if it has one, copied over, for chains (a→b→c), swaps
 * (a↔b) and keys reused by a later INSERT alike. Meant for the cutover's freeze, after the
 * drain: the source reads one snapshot, and the target changes in one transaction with
 * session_replication_role = replica (foreign keys and user triggers do not fire, as when DMS
 * applies), so it all lands or none of it.
 */
export async function repairChangedKeys(source: PgClient, target: PgClient, tables: readonly ChangedTable[], sides: RepairSides = CUTOVER_SIDES): Promise<RepairResult> {
  const result: RepairResult = { keys: 0, copied: 0, deleted: 0, tables: [], skipped: [] };
  const live = tables.filter((t) => {
    if (!t.exists) result.skipped.push(`${t.schema}.${t.table}`);
    return t.exists;
  });
  if (live.length === 0) return result;
  await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    for (const sql of TEXT_STYLE) await source.query(sql);
    await target.query("BEGIN");
    try {
      await target.query("SET LOCAL session_replication_role = replica").catch((err: unknown) => {
        throw new OperationError(`The login on ${sides.to} may not set session_replication_role: ${errorMessage(err)}`, {
          hint: sides.roleHint,
          cause: err,
        });
      });
      for (const sql of TEXT_STYLE) await target.query(sql);
      for (const t of live) await repairTable(source, target, t, result, sides);
      await target.query("COMMIT");
    } catch (err) {
      await target.query("ROLLBACK").catch(() => undefined);
      throw err instanceof OperationError
        ? err
        : new OperationError(`Re-copying the rows whose primary key changed failed on ${sides.to}: ${errorMessage(err)}`, {
            hint: `Nothing was changed on ${sides.to} (one transaction). Fix the cause above, then ${sides.rerun}.`,
            cause: err,
          });
    }
  } finally {
    await source.query("COMMIT").catch(() => undefined);
  }
  return result;
}
