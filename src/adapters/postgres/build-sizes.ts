import type { PgClient } from "./connect.js";

/** One build of the restore: the table it reads and, for an index, the index it writes. */
export interface BuildRelation {
  schema: string;
  table: string;
  /** The index's name in the same schema; absent for a foreign key (its validation reads the table). */
  index?: string;
}

/**
 * Bytes each build handles, read on the source (where the table and the index exist as they
 * will on the target): pg_table_size of the table plus pg_relation_size of the index. 0 for a
 * relation the source no longer has. One query, in the order given.
 */
export async function readBuildBytes(client: PgClient, builds: readonly BuildRelation[]): Promise<number[]> {
  if (builds.length === 0) return [];
  const { rows } = await client.query<{ n: number; bytes: string }>(
    `SELECT u.n::int AS n,
            (coalesce(pg_table_size(to_regclass(format('%I.%I', u.s, u.t))), 0)
             + coalesce(pg_relation_size(to_regclass(format('%I.%I', u.s, u.i))), 0))::text AS bytes
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(s, t, i, n)
      ORDER BY u.n`,
    [builds.map((b) => b.schema), builds.map((b) => b.table), builds.map((b) => b.index ?? null)],
  );
  return rows.map((r) => Number(r.bytes));
}
