import pg from "pg";
import type { TestDatabase } from "./databases.js";

/** The schemas of PARTITIONED_DDL. */
export const PARTITIONED_SCHEMAS = ["Odd Sch", "Ünï"];

/**
 * A partitioned table on two levels (list by tenant, then range by date), one sub-partition in
 * another schema, with a three-column primary key, a unique constraint, an expression index
 * (with a comment) and a foreign key on it, and a table whose foreign key references its
 * unique constraint. One partition was attached with indexes of its own, so its index and
 * constraint names are not the ones PostgreSQL would choose.
 */
export const PARTITIONED_DDL = `
  CREATE SCHEMA "Odd Sch";
  CREATE SCHEMA "Ünï";
  CREATE TABLE "Odd Sch".kinds (k text PRIMARY KEY);
  CREATE TABLE "Odd Sch"."Evt""s" (tenant integer NOT NULL, "Id" bigint NOT NULL, at date NOT NULL, code text, "order" text, kind text REFERENCES "Odd Sch".kinds,
    CONSTRAINT "Evt_pk" PRIMARY KEY (tenant, "Id", at), CONSTRAINT "Evt code uq" UNIQUE (tenant, code, at)) PARTITION BY LIST (tenant);
  CREATE INDEX "Evt ""order"" idx" ON "Odd Sch"."Evt""s" (lower("order"));
  COMMENT ON INDEX "Odd Sch"."Evt ""order"" idx" IS 'by order, any case';
  CREATE TABLE "Odd Sch"."Evt t1" PARTITION OF "Odd Sch"."Evt""s" FOR VALUES IN (1) PARTITION BY RANGE (at);
  CREATE TABLE "Odd Sch"."Evt t1 2024" PARTITION OF "Odd Sch"."Evt t1" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE "Ünï"."Evt t1 2025" PARTITION OF "Odd Sch"."Evt t1" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE "Odd Sch"."Evt t2" (tenant integer NOT NULL, "Id" bigint NOT NULL, at date NOT NULL, code text, "order" text, kind text,
    CONSTRAINT "T2 pk" PRIMARY KEY (tenant, "Id", at), CONSTRAINT "T2 code" UNIQUE (tenant, code, at));
  CREATE INDEX "T2 Order" ON "Odd Sch"."Evt t2" (lower("order"));
  ALTER TABLE "Odd Sch"."Evt""s" ATTACH PARTITION "Odd Sch"."Evt t2" FOR VALUES IN (2);
  CREATE TABLE "Odd Sch".refs (id integer PRIMARY KEY, tenant integer, code text, at date,
    CONSTRAINT "refs → evt" FOREIGN KEY (tenant, code, at) REFERENCES "Odd Sch"."Evt""s" (tenant, code, at));
`;

export const PARTITIONED_DATA = `
  INSERT INTO "Odd Sch".kinds VALUES ('a'), ('b');
  INSERT INTO "Odd Sch"."Evt""s" SELECT 1 + g % 2, g, DATE '2024-06-01' + (g % 400), 'c' || g, 'Order ' || g, CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END
    FROM generate_series(1, 300) g;
  INSERT INTO "Odd Sch".refs SELECT g, 1 + g % 2, 'c' || g, DATE '2024-06-01' + (g % 400) FROM generate_series(1, 50) g;
`;

/** The tables DMS loads: plain tables and leaf partitions (the partitioned parents are excluded). */
export const PARTITIONED_LEAVES = ['"Odd Sch".kinds', '"Odd Sch"."Evt t1 2024"', '"Ünï"."Evt t1 2025"', '"Odd Sch"."Evt t2"', '"Odd Sch".refs'];

/** As DMS does with TRUNCATE_BEFORE_LOAD: each leaf truncated, then its rows copied, triggers off. */
export async function loadLeavesLikeDms(source: TestDatabase, target: TestDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    for (const table of PARTITIONED_LEAVES) await client.query(`TRUNCATE TABLE ${table}`);
    for (const table of PARTITIONED_LEAVES) {
      const rows = await source.sql<{ j: unknown }>(`SELECT coalesce(jsonb_agg(t), '[]'::jsonb) AS j FROM ${table} t`);
      await client.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(rows[0]!.j)]);
    }
  } finally {
    await client.end();
  }
}

/** Every index of the fixture: its table, whether valid, and the index it is attached to. */
export const INDEX_TREE_SQL = `
  SELECT n.nspname || '.' || t.relname AS "table", i.relname AS "index", x.indisvalid AS valid,
         (SELECT pn.nspname || '.' || p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
           WHERE h.inhrelid = i.oid) AS attached_to
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE n.nspname IN ('Odd Sch', 'Ünï') ORDER BY 1, 2`;

/** Every constraint of the fixture with its definition and parent constraint. */
export const CONSTRAINTS_SQL = `
  SELECT c.conrelid::regclass::text AS "table", c.conname AS name, pg_get_constraintdef(c.oid) AS definition, c.convalidated AS validated,
         (SELECT p.conname FROM pg_constraint p WHERE p.oid = c.conparentid) AS parent
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
   WHERE n.nspname IN ('Odd Sch', 'Ünï') AND c.contype IN ('p', 'u', 'f', 'x') ORDER BY 1, 2`;
