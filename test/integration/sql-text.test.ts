/**
 * The one quoter (plan/sql-text.ts) against pg's own escapes and against real servers:
 * the keyword list is checked with each test server's pg_get_keywords(), and every name is
 * sent to PostgreSQL to prove it means what it says.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qualified, quoteIdent, quoteLiteral, readableName } from "../../src/plan/sql-text.js";
import { type ServerRole, type TestDatabase, freshDatabase } from "../support/databases.js";

const ODD_NAMES = [
  "order",
  "user",
  "select",
  "Orders",
  "MiXeD",
  "with space",
  'say "hi"',
  "it's",
  "café",
  "表",
  "emoji✓",
  "1starts_with_digit",
  "dollar$sign",
  "_under",
  "plain_name",
  "a.b",
  "semi;colon",
  "back\\slash",
  "at",
  "name",
  "text",
  "int",
  "between",
  "json_table",
];

describe("quoting for SQL we send: always quoted, as pg quotes", () => {
  it.each(ODD_NAMES)("GIVEN %j THEN quoteIdent equals pg.escapeIdentifier", (name) => {
    expect(quoteIdent(name)).toBe(pg.escapeIdentifier(name));
  });

  it.each(["plain", "it's", "", "two '' quotes", "back\\slash", "both ' and \\", "ünï ✓"])("GIVEN %j THEN quoteLiteral equals pg.escapeLiteral (without its leading space)", (text) => {
    expect(quoteLiteral(text)).toBe(pg.escapeLiteral(text).trimStart());
  });

  it("GIVEN schema, table and column THEN qualified quotes each part", () => {
    expect(qualified("public", "order")).toBe('"public"."order"');
    expect(qualified("My Schema", 'say "hi"', "user")).toBe('"My Schema"."say ""hi"""."user"');
  });
});

describe("names a person reads: quoted only where PostgreSQL needs it", () => {
  it("GIVEN reserved words, mixed case, spaces, quotes and unicode THEN quoted; plain names and unreserved keywords stay bare", () => {
    expect(readableName("public", "order")).toBe('public."order"');
    expect(readableName("user")).toBe('"user"');
    expect(readableName("MiXeD")).toBe('"MiXeD"');
    expect(readableName("with space")).toBe('"with space"');
    expect(readableName('say "hi"')).toBe('"say ""hi"""');
    expect(readableName("café")).toBe('"café"');
    expect(readableName("1starts_with_digit")).toBe('"1starts_with_digit"');
    expect(readableName("public", "events", "total")).toBe("public.events.total");
    expect(readableName("name")).toBe("name");
    expect(readableName("int")).toBe('"int"');
  });
});

describe.each<ServerRole>(["source", "target"])("against the %s test server", (role) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(role, "sqltext");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("GIVEN every keyword the server knows THEN readableName quotes exactly those that are not unreserved (as quote_ident does)", async () => {
    const rows = await db.sql<{ word: string; catcode: string; quoted: string }>("SELECT word, catcode, quote_ident(word) AS quoted FROM pg_get_keywords()");
    expect(rows.length).toBeGreaterThan(400);
    const wrong = rows.filter((r) => readableName(r.word) !== r.quoted).map((r) => `${r.word} (${r.catcode}): ours ${readableName(r.word)}, server ${r.quoted}`);
    expect(wrong).toEqual([]);
  });

  it("GIVEN odd names THEN readableName matches the server's quote_ident (or quotes a keyword only a newer major has), and both quotings name the same table", async () => {
    const server = await db.sql<{ name: string; quoted: string; keyword: boolean }>(
      "SELECT n AS name, quote_ident(n) AS quoted, EXISTS (SELECT 1 FROM pg_get_keywords() WHERE word = n) AS keyword FROM unnest($1::text[]) AS n",
      [ODD_NAMES],
    );
    const differing = server.filter((r) => readableName(r.name) !== r.quoted);
    // PostgreSQL 17's list on an older server: json_table and friends are plain names there; quoting them is harmless.
    expect(differing.filter((r) => r.keyword || readableName(r.name) !== quoteIdent(r.name))).toEqual([]);
    expect(differing.length).toBeLessThanOrEqual(1);
    await db.sql(`CREATE SCHEMA ${quoteIdent("My Schema")}`);
    for (const name of ODD_NAMES) {
      await db.sql(`CREATE TABLE ${qualified("My Schema", name)} (${quoteIdent("user")} text)`);
      await db.sql(`INSERT INTO ${readableName("My Schema", name)} (${readableName("user")}) VALUES (${quoteLiteral(name)})`);
      const [row] = await db.sql<{ user: string; same: boolean }>(
        `SELECT ${qualified("My Schema", name, "user")} AS user, to_regclass($1) IS NOT NULL AND to_regclass($1) = to_regclass($2) AS same FROM ${qualified("My Schema", name)}`,
        [readableName("My Schema", name), qualified("My Schema", name)],
      );
      expect(row).toEqual({ user: name, same: true });
    }
  });
});
