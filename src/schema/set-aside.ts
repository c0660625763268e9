import { z } from "zod";
import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteIdent, quoteLiteral } from "../adapters/postgres/sql.js";

/**
 * An object taken off the target until the full load is done: foreign keys (TRUNCATE of a
 * referenced table fails while they exist) and, by default, secondary indexes (loading is
 * much faster without them). The definition is the server's own (pg_get_indexdef /
 * pg_get_constraintdef), recorded in the state file so a later run can put it back.
 */
export const setAsideObjectSchema = z.object({
  kind: z.enum(["index", "constraint", "foreign-key"]),
  schema: z.string(),
  table: z.string(),
  name: z.string(),
  /** index: the whole CREATE INDEX statement; constraint / foreign-key: the text after ADD CONSTRAINT name. */
  definition: z.string(),
  comment: z.string().optional(),
});
export type SetAsideObject = z.infer<typeof setAsideObjectSchema>;

export const setAsideKey = (o: Pick<SetAsideObject, "kind" | "schema" | "table" | "name">): string => `${o.kind}:${o.schema}.${o.table}.${o.name}`;

/** The parity-check ids (see schema/catalog.ts) an object stands for while it is set aside. */
export function catalogIdsOf(o: SetAsideObject): string[] {
  const key = `${o.schema}.${o.table}.${o.name}`;
  if (o.kind === "index") return [`index:${key}`];
  if (o.kind === "foreign-key") return [`constraint:${key}`];
  // A unique or exclusion constraint brings its index, of the same name.
  return [`constraint:${key}`, `index:${key}`];
}

export interface SetAsideChoice {
  /** Secondary indexes too (unique and exclusion constraints included). Foreign keys always. */
  indexes: boolean;
}

type Row = { kind: SetAsideObject["kind"]; schema: string; table: string; name: string; definition: string; comment: string | null };

/**
 * What would be set aside in `schemas`: foreign keys, unique/exclusion constraints and plain
 * secondary indexes, never primary keys. Indexes of partitions attached to a partitioned
 * index are left to their parent: recreating the parent recreates them.
 */
export async function readSetAside(client: PgClient, schemas: readonly string[], choice: SetAsideChoice): Promise<SetAsideObject[]> {
  await client.query("BEGIN READ ONLY");
  try {
    // Empty search_path: every name in a definition comes out schema-qualified.
    await client.query("SET LOCAL search_path = ''");
    const { rows } = await client.query<Row>(
      `SELECT CASE c.contype WHEN 'f' THEN 'foreign-key' ELSE 'constraint' END AS kind, n.nspname AS schema, t.relname AS table,
              c.conname AS name, pg_get_constraintdef(c.oid) AS definition, obj_description(c.oid, 'pg_constraint') AS comment
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.conparentid = 0
          AND (c.contype = 'f' OR ($2 AND c.contype IN ('u', 'x')))
       UNION ALL
       SELECT 'index', n.nspname, t.relname, i.relname, pg_get_indexdef(i.oid), obj_description(i.oid, 'pg_class')
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE $2 AND n.nspname = ANY($1::text[]) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
          AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = t.oid AND e.deptype = 'e')
        ORDER BY 1, 2, 3, 4`,
      [schemas, choice.indexes],
    );
    return rows.map((r) => ({ kind: r.kind, schema: r.schema, table: r.table, name: r.name, definition: r.definition, ...(r.comment !== null ? { comment: r.comment } : {}) }));
  } finally {
    await client.query("COMMIT");
  }
}

/** The statement that removes one set-aside object (idempotent). */
export function dropStatement(o: SetAsideObject): string {
  if (o.kind === "index") return `DROP INDEX IF EXISTS ${qualified(o.schema, o.name)}`;
  return `ALTER TABLE ${qualified(o.schema, o.table)} DROP CONSTRAINT IF EXISTS ${quoteIdent(o.name)}`;
}

/** Drops the objects on the target in one transaction: foreign keys first (they may use a unique index). */
export async function dropSetAside(client: PgClient, objects: readonly SetAsideObject[]): Promise<void> {
  const order = { "foreign-key": 0, constraint: 1, index: 2 } as const;
  const sorted = [...objects].sort((a, b) => order[a.kind] - order[b.kind]);
  await client.query("BEGIN");
  try {
    for (const o of sorted) await client.query(dropStatement(o));
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** `COMMENT ON …` restoring an object's comment, or undefined when it had none. */
export function commentStatement(o: SetAsideObject): string | undefined {
  if (o.comment === undefined) return undefined;
  if (o.kind === "index") return `COMMENT ON INDEX ${qualified(o.schema, o.name)} IS ${quoteLiteral(o.comment)}`;
  return `COMMENT ON CONSTRAINT ${quoteIdent(o.name)} ON ${qualified(o.schema, o.table)} IS ${quoteLiteral(o.comment)}`;
}

/** Merges a fresh reading with what an earlier, interrupted run recorded (already dropped objects stay listed). */
export function mergeSetAside(recorded: readonly SetAsideObject[], fresh: readonly SetAsideObject[]): SetAsideObject[] {
  const byKey = new Map(recorded.map((o) => [setAsideKey(o), o]));
  for (const o of fresh) byKey.set(setAsideKey(o), o);
  return [...byKey.values()];
}
