import type { PgClient } from "../../adapters/postgres/connect.js";
import { notExtensionMember } from "../schema/catalog.js";

/** A schema-qualified object; `key` is `schema.name` (`schema.table.index` for an index), as the parity check names it. */
export interface ObjectName {
  key: string;
  schema: string;
  name: string;
}

/** An index as the catalog records its health: pg_index.indisvalid/indisready and, on a partition, the partitioned index it is attached to. */
export interface IndexState {
  /** `schema.table.index`, as the parity check names it. */
  key: string;
  schema: string;
  table: string;
  index: string;
  valid: boolean;
  ready: boolean;
  /** An index of a partitioned table (relkind I): valid only once every partition's index is attached. */
  partitioned: boolean;
  /** The parent's index it is attached to (pg_inherits), if any. */
  attachedTo?: ObjectName;
}

/** A table, partitioned table, materialized view or sequence: what the rows and definitions do not show. */
export interface RelationState {
  /** `schema.name`. */
  key: string;
  schema: string;
  name: string;
  /** pg_class.relkind: r, p, m or S. */
  kind: string;
  /** pg_class.relpersistence: p (logged) or u (unlogged). */
  persistence: string;
  /** Materialized views: has it been populated (REFRESH / WITH DATA)? */
  populated: boolean;
  /** A partition: its parent table and its bound (`FOR VALUES …`). */
  partitionOf?: ObjectName;
  bound?: string;
}

export interface ObjectStates {
  indexes: IndexState[];
  relations: RelationState[];
}

interface IndexRow {
  schema: string;
  table: string;
  index: string;
  valid: boolean;
  ready: boolean;
  partitioned: boolean;
  parent_schema: string | null;
  parent_table: string | null;
  parent_index: string | null;
}

interface RelationRow {
  schema: string;
  name: string;
  kind: string;
  persistence: string;
  populated: boolean;
  parent_schema: string | null;
  parent: string | null;
  bound: string | null;
}

/** Every index and relation state of `schemas`: two catalog queries, no row of any table read. */
export async function readObjectStates(client: PgClient, schemas: readonly string[]): Promise<ObjectStates> {
  const indexes = await client.query<IndexRow>(
    `SELECT n.nspname AS schema, t.relname AS table, i.relname AS index, x.indisvalid AS valid, x.indisready AS ready,
            i.relkind = 'I' AS partitioned,
            pn.nspname AS parent_schema, pt.relname AS parent_table, p.relname AS parent_index
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_inherits h ON h.inhrelid = i.oid
       LEFT JOIN pg_class p ON p.oid = h.inhparent
       LEFT JOIN pg_index px ON px.indexrelid = p.oid
       LEFT JOIN pg_class pt ON pt.oid = px.indrelid
       LEFT JOIN pg_namespace pn ON pn.oid = pt.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND ${notExtensionMember("pg_class", "t.oid")}`,
    [schemas],
  );
  const relations = await client.query<RelationRow>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relpersistence::text AS persistence,
            c.relispopulated AS populated,
            pn.nspname AS parent_schema, p.relname AS parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_inherits h ON c.relispartition AND h.inhrelid = c.oid
       LEFT JOIN pg_class p ON p.oid = h.inhparent
       LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'S') AND n.nspname = ANY($1::text[]) AND ${notExtensionMember("pg_class", "c.oid")}`,
    [schemas],
  );
  return {
    indexes: indexes.rows.map((r) => ({
      key: `${r.schema}.${r.table}.${r.index}`,
      schema: r.schema,
      table: r.table,
      index: r.index,
      valid: r.valid,
      ready: r.ready,
      partitioned: r.partitioned,
      ...(r.parent_index ? { attachedTo: { key: `${r.parent_schema}.${r.parent_table}.${r.parent_index}`, schema: r.parent_schema!, name: r.parent_index } } : {}),
    })),
    relations: relations.rows.map((r) => ({
      key: `${r.schema}.${r.name}`,
      schema: r.schema,
      name: r.name,
      kind: r.kind,
      persistence: r.persistence,
      populated: r.populated,
      ...(r.parent ? { partitionOf: { key: `${r.parent_schema}.${r.parent}`, schema: r.parent_schema!, name: r.parent } } : {}),
      ...(r.bound ? { bound: r.bound } : {}),
    })),
  };
}
