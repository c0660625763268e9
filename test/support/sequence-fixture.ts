import type { TestDatabase } from "./databases.js";

/**
 * A schema with every case the hand procedure's sequence reset gets wrong (product.md,
 * flaw 1): a free-standing sequence shared through DEFAULT nextval(), the same table name in
 * two schemas, a sequence ahead of max(id) after deletes, an identity column, an empty table,
 * mixed-case names, and a sequence counting down.
 */
export const SEQUENCE_FIXTURE_DDL = `
  CREATE SCHEMA billing;
  CREATE SCHEMA "Sales";
  CREATE SEQUENCE public.shared_ids;
  CREATE TABLE public.invoices (id bigint PRIMARY KEY DEFAULT nextval('public.shared_ids'), note text);
  CREATE TABLE public.credit_notes (id bigint PRIMARY KEY DEFAULT nextval('public.shared_ids'), note text);
  CREATE TABLE public.items (id serial PRIMARY KEY, note text);
  CREATE TABLE billing.items (id serial PRIMARY KEY, note text);
  CREATE TABLE public.orders (id serial PRIMARY KEY, note text);
  CREATE TABLE public.events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
  CREATE TABLE public.empty_things (id serial PRIMARY KEY, note text);
  CREATE TABLE "Sales"."Order Lines" ("LineId" serial PRIMARY KEY, note text);
  CREATE SEQUENCE public.countdown INCREMENT BY -1 MAXVALUE -1 START WITH -1;
  CREATE TABLE public.refunds (id integer PRIMARY KEY DEFAULT nextval('public.countdown'), note text);
`;

/** Rows on the source: each insert takes ids from the sequences as an app would. */
export const SEQUENCE_FIXTURE_DATA = `
  INSERT INTO public.invoices (note) SELECT 'i' FROM generate_series(1, 4);
  INSERT INTO public.credit_notes (note) SELECT 'c' FROM generate_series(1, 3);
  INSERT INTO public.items (note) SELECT 'p' FROM generate_series(1, 3);
  INSERT INTO billing.items (note) SELECT 'b' FROM generate_series(1, 100);
  INSERT INTO public.orders (note) SELECT 'o' FROM generate_series(1, 10);
  DELETE FROM public.orders WHERE id > 5;
  INSERT INTO public.events (note) SELECT 'e' FROM generate_series(1, 7);
  INSERT INTO "Sales"."Order Lines" (note) SELECT 'l' FROM generate_series(1, 12);
  INSERT INTO public.refunds (note) SELECT 'r' FROM generate_series(1, 3);
`;

/** Every table of the fixture with its id column. */
export const FIXTURE_TABLES: { table: string; id: string; seq: string; step: bigint }[] = [
  { table: "public.invoices", id: "id", seq: "public.shared_ids", step: 1n },
  { table: "public.credit_notes", id: "id", seq: "public.shared_ids", step: 1n },
  { table: "public.items", id: "id", seq: "public.items_id_seq", step: 1n },
  { table: "billing.items", id: "id", seq: "billing.items_id_seq", step: 1n },
  { table: "public.orders", id: "id", seq: "public.orders_id_seq", step: 1n },
  { table: "public.events", id: "id", seq: "public.events_id_seq", step: 1n },
  { table: "public.empty_things", id: "id", seq: "public.empty_things_id_seq", step: 1n },
  { table: '"Sales"."Order Lines"', id: '"LineId"', seq: '"Sales"."Order Lines_LineId_seq"', step: 1n },
  { table: "public.refunds", id: "id", seq: "public.countdown", step: -1n },
];

/** Copies every row from source to target with its ids, as DMS's full load does (sequences untouched). */
export async function copyRowsLikeDms(source: TestDatabase, target: TestDatabase): Promise<void> {
  for (const { table, id } of FIXTURE_TABLES) {
    const rows = await source.sql<{ id: string; note: string }>(`SELECT ${id}::text AS id, note FROM ${table} ORDER BY 1`);
    if (rows.length === 0) continue;
    const values = rows.map((_, i) => `($${2 * i + 1}::bigint, $${2 * i + 2})`).join(", ");
    const overriding = table === "public.events" ? " OVERRIDING SYSTEM VALUE" : "";
    await target.sql(`INSERT INTO ${table} (${id}, note)${overriding} VALUES ${values}`, rows.flatMap((r) => [r.id, r.note]));
  }
}
