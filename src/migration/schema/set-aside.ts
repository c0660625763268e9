import * as z from "zod";
import type { PgClient } from "../../adapters/postgres/connect.js";
import { qualified, quoteIdent, quoteLiteral } from "../../plan/sql-text.js";

/**
 * The index (or unique/exclusion constraint) of one partition that belongs to a set-aside
 * partitioned index: its own name as on the source, and the index it attaches to (the
 * partitioned table's, or an intermediate partition's for a sub-partition).
 */
export const partitionIndexSchema = z.object({
  /** The partition's schema (its index lives there too). */
  schema: z.string(),
  /** The partition. */
  table: z.string(),
  /** The index, or the constraint (a constraint's index has its name). */
  name: z.string(),
  /** As for its parent: CREATE INDEX (`ON ONLY` on a partitioned partition), or the text after ADD CONSTRAINT name. */
  definition: z.string(),
  /** The index it is attached to. */
  parent: z.object({ schema: z.string(), name: z.string() }),
  comment: z.string().optional(),
});
export type PartitionIndex = z.infer<typeof partitionIndexSchema>;

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
  /**
   * Set on a partitioned table's index or constraint (absent in state files written before
   * it was recorded): the index of every partition, sub-partitions included, parents before
   * their children. The parent is then created alone (`ON ONLY`), each of these built, then attached.
   */
  partitions: z.array(partitionIndexSchema).optional(),
});
export type SetAsideObject = z.infer<typeof setAsideObjectSchema>;

export const setAsideKey = (o: Pick<SetAsideObject, "kind" | "schema" | "table" | "name">): string => `${o.kind}:${o.schema}.${o.table}.${o.name}`;

/** The parity-check ids (see schema/catalog.ts) an object stands for while it is set aside, its partitions' included. */
export function catalogIdsOf(o: SetAsideObject): string[] {
  const idsOf = (kind: SetAsideObject["kind"], key: string): string[] => {
    if (kind === "index") return [`index:${key}`];
    if (kind === "foreign-key") return [`constraint:${key}`];
    // A unique or exclusion constraint brings its index, of the same name.
    return [`constraint:${key}`, `index:${key}`];
  };
  return [`${o.schema}.${o.table}.${o.name}`, ...(o.partitions ?? []).map((p) => `${p.schema}.${p.table}.${p.name}`)].flatMap((key) => idsOf(o.kind, key));
}

/** `schema.name` of every set-aside object and of every partition index that comes back with one. */
export function setAsideNames(objects: readonly SetAsideObject[]): Set<string> {
  return new Set(objects.flatMap((o) => [`${o.schema}.${o.name}`, ...(o.partitions ?? []).map((p) => `${p.schema}.${p.name}`)]));
}

export interface SetAsideChoice {
  /** Secondary indexes too (unique and exclusion constraints included). Foreign keys always. */
  indexes: boolean;
}

type Row = {
  kind: SetAsideObject["kind"];
  schema: string;
  table: string;
  name: string;
  definition: string;
  comment: string | null;
  /** The index of an index or of a unique/exclusion constraint on a partitioned table, else null. */
  partitioned_index: string | null;
};

type PartitionRow = { top: string; schema: string; table: string; name: string; definition: string; comment: string | null; parent_schema: string; parent_name: string };

/**
 * The indexes of every partition (sub-partitions included) attached, directly or through an
 * intermediate partition, to one of `tops` (index oids), shallowest first; for a constraint's
 * index, the partition's constraint.
 */
async function readPartitionIndexes(client: PgClient, tops: readonly string[], schemas: readonly string[]): Promise<Map<string, PartitionIndex[]>> {
  const byTop = new Map<string, PartitionIndex[]>();
  if (tops.length === 0) return byTop;
  const { rows } = await client.query<PartitionRow>(
    `WITH RECURSIVE chosen AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($2::text[])
     ), tree AS (
       SELECT h.inhrelid AS idx, h.inhparent AS parent, 1 AS depth, h.inhparent AS top
         FROM pg_inherits h WHERE h.inhparent = ANY($1::oid[]) AND h.inhrelid IN (SELECT oid FROM chosen)
       UNION ALL
       SELECT h.inhrelid, h.inhparent, t.depth + 1, t.top FROM pg_inherits h JOIN tree t ON h.inhparent = t.idx
        WHERE h.inhrelid IN (SELECT oid FROM chosen)
     )
     SELECT t.top::text AS top, n.nspname AS schema, tb.relname AS table, i.relname AS name,
            CASE WHEN c.oid IS NULL THEN pg_get_indexdef(i.oid) ELSE pg_get_constraintdef(c.oid) END AS definition,
            CASE WHEN c.oid IS NULL THEN obj_description(i.oid, 'pg_class') ELSE obj_description(c.oid, 'pg_constraint') END AS comment,
            pn.nspname AS parent_schema, p.relname AS parent_name
       FROM tree t JOIN pg_class i ON i.oid = t.idx JOIN pg_index x ON x.indexrelid = i.oid
       JOIN pg_class tb ON tb.oid = x.indrelid JOIN pg_namespace n ON n.oid = tb.relnamespace
       JOIN pg_class p ON p.oid = t.parent JOIN pg_namespace pn ON pn.oid = p.relnamespace
       LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = tb.oid AND c.contype IN ('p', 'u', 'x')
      ORDER BY t.top, t.depth, n.nspname, tb.relname, i.relname`,
    [tops, schemas],
  );
  for (const r of rows) {
    const list = byTop.get(r.top) ?? [];
    list.push({
      schema: r.schema,
      table: r.table,
      name: r.name,
      definition: r.definition,
      parent: { schema: r.parent_schema, name: r.parent_name },
      ...(r.comment !== null ? { comment: r.comment } : {}),
    });
    byTop.set(r.top, list);
  }
  return byTop;
}

/**
 * What would be set aside in `schemas`: foreign keys, unique/exclusion constraints and plain
 * secondary indexes, never primary keys. On a partitioned table, the index of each partition
 * attached to a set-aside index is recorded with it (`partitions`), as on the source; only
 * partitions in `schemas` (the others do not travel), and a partition's index whose parent is
 * outside `schemas` counts as an index of its own.
 */
export async function readSetAside(client: PgClient, schemas: readonly string[], choice: SetAsideChoice): Promise<SetAsideObject[]> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    // Empty search_path: every name in a definition comes out schema-qualified.
    await client.query("SET LOCAL search_path = ''");
    const { rows } = await client.query<Row>(
      `SELECT CASE c.contype WHEN 'f' THEN 'foreign-key' ELSE 'constraint' END AS kind, n.nspname AS schema, t.relname AS table,
              c.conname AS name, pg_get_constraintdef(c.oid) AS definition, obj_description(c.oid, 'pg_constraint') AS comment,
              CASE WHEN c.contype <> 'f' AND t.relkind = 'p' THEN c.conindid::text END AS partitioned_index
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = ANY($1::text[])
          AND (c.contype = 'f' OR ($2 AND c.contype IN ('u', 'x')))
          AND NOT EXISTS (SELECT 1 FROM pg_constraint pc JOIN pg_namespace pn ON pn.oid = pc.connamespace WHERE pc.oid = c.conparentid AND pn.nspname = ANY($1::text[]))
       UNION ALL
       SELECT 'index', n.nspname, t.relname, i.relname, pg_get_indexdef(i.oid), obj_description(i.oid, 'pg_class'),
              CASE WHEN t.relkind = 'p' THEN i.oid::text END
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE $2 AND n.nspname = ANY($1::text[]) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))
          AND NOT EXISTS (SELECT 1 FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
                           WHERE h.inhrelid = x.indexrelid AND pn.nspname = ANY($1::text[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = t.oid AND e.deptype = 'e')
        ORDER BY 1, 2, 3, 4`,
      [schemas, choice.indexes],
    );
    const partitions = await readPartitionIndexes(client, rows.flatMap((r) => (r.partitioned_index !== null ? [r.partitioned_index] : [])), schemas);
    return rows.map((r) => ({
      kind: r.kind,
      schema: r.schema,
      table: r.table,
      name: r.name,
      definition: r.definition,
      ...(r.comment !== null ? { comment: r.comment } : {}),
      ...(r.partitioned_index !== null ? { partitions: partitions.get(r.partitioned_index) ?? [] } : {}),
    }));
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
export function commentStatement(o: Pick<SetAsideObject, "kind" | "schema" | "table" | "name" | "comment">): string | undefined {
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
