/**
 * What DMS would lose (unlogged tables, partition trees, deferred checks, keys that never reach
 * the WAL, large objects), found on a real source, each fix run on that source to prove it works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckSourceReport } from "../../src/commands/check-source.js";
import { runCli } from "../support/cli.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { findingsOf, preflightOf } from "../support/preflight.js";
import { envelopeIn } from "../support/json-envelope.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase("source", "pf_gaps");
});
afterAll(async () => {
  await db?.drop();
});

const checkSchema = async (schema: string) => (await preflightOf(db.url, { schemas: [schema] })).result;

describe("unlogged tables", () => {
  it("GIVEN unlogged tables named with quotes, unicode, upper case and a reserved word THEN a blocker whose fixes run as printed, after which the check is quiet", async () => {
    await db.sql(`CREATE SCHEMA "Odd ""Schema""";
      CREATE UNLOGGED TABLE "Odd ""Schema"""."Scratch Ünlogged" (id int PRIMARY KEY, v text);
      CREATE UNLOGGED TABLE "Odd ""Schema""".order (id int PRIMARY KEY);
      CREATE TABLE "Odd ""Schema""".kept (id int PRIMARY KEY);
      INSERT INTO "Odd ""Schema"""."Scratch Ünlogged" SELECT g, 'x' FROM generate_series(1, 100) g`);
    const before = await checkSchema('Odd "Schema"');
    const [finding] = findingsOf(before, "tables.unlogged");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found.split("\n").map((l) => l.replace(/ \(.*$/, "")).sort()).toEqual(['"Odd ""Schema"""."Scratch Ünlogged"', '"Odd ""Schema"""."order"']);
    const statements = (finding?.fix ?? "").split("\n").filter((l) => l.startsWith("ALTER TABLE"));
    expect([...statements].sort()).toEqual(['ALTER TABLE "Odd ""Schema"""."Scratch Ünlogged" SET LOGGED;', 'ALTER TABLE "Odd ""Schema"""."order" SET LOGGED;']);
    expect(finding?.fix).toContain("rewrites the whole table into the WAL");
    for (const statement of statements) await db.sql(statement);
    const after = await checkSchema('Odd "Schema"');
    expect(findingsOf(after, "tables.unlogged")).toEqual([]);
    expect(after.counts.blocker).toBe(0);
  });

  it("GIVEN an unlogged table WHEN check-source --json runs (built binary) THEN exit 3 and the JSON names the table with its SET LOGGED fix", async () => {
    await db.sql("CREATE SCHEMA cli_unlogged; CREATE UNLOGGED TABLE cli_unlogged.cache (k text PRIMARY KEY, v jsonb)");
    const run = await runCli(["check-source", db.url, "--schemas", "cli_unlogged", "--json"]);
    expect(run.code).toBe(3);
    const report = envelopeIn<CheckSourceReport>(run.stdout, { command: "check-source", exitCode: 3 }).result;
    const blockers = report.findings.filter((f) => f.severity === "blocker");
    expect(blockers.map((f) => f.check)).toEqual(["tables.unlogged"]);
    expect(blockers[0]?.found).toMatch(/^cli_unlogged\.cache \(/);
    expect(blockers[0]?.fix).toContain("ALTER TABLE cli_unlogged.cache SET LOGGED;");
    expect(report.counts.blocker).toBe(1);
    expect(report.findings.map((f) => f.check)).toContain("tables.truncate");
  });
});

describe("partitioned tables", () => {
  it("GIVEN a range-partitioned table sub-partitioned by list (two levels) THEN a note gives its key, 3 leaves in 2 levels, and how they are mapped", async () => {
    await db.sql(`CREATE SCHEMA parts;
      CREATE TABLE parts.events (id bigint, at date, region text, PRIMARY KEY (id, at, region)) PARTITION BY RANGE (at);
      CREATE TABLE parts.events_2024 PARTITION OF parts.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (region);
      CREATE TABLE parts.events_2024_eu PARTITION OF parts.events_2024 FOR VALUES IN ('eu');
      CREATE TABLE parts.events_2024_us PARTITION OF parts.events_2024 FOR VALUES IN ('us');
      CREATE TABLE parts.events_2025 PARTITION OF parts.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`);
    const { result, facts } = await preflightOf(db.url, { schemas: ["parts"] });
    const [note] = findingsOf(result, "tables.partitioned");
    expect(note?.severity).toBe("info");
    expect(note?.found).toBe("parts.events RANGE (at): 3 leaf partition(s) in 2 levels");
    expect(note?.fix).toContain("exclude each partitioned parent");
    expect(note?.fix).toContain("do not change the partition layout until the cutover is done");
    const eu = facts.tables.find((t) => t.name === "events_2024_eu");
    expect(eu?.partitionOf).toEqual({ parentSchema: "parts", parentName: "events_2024", rootSchema: "parts", rootName: "events", level: 2 });
    expect(findingsOf(result, "tables.no_primary_key")).toEqual([]);
  });

  it("GIVEN a partitioned table without a primary key THEN its leaves are listed as tables without one, the key fix aimed at the partitioned table", async () => {
    await db.sql(`CREATE SCHEMA plogs;
      CREATE TABLE plogs.log (at timestamptz NOT NULL, line text) PARTITION BY RANGE (at);
      CREATE TABLE plogs.log_2025 PARTITION OF plogs.log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`);
    const [finding] = findingsOf(await checkSchema("plogs"), "tables.no_primary_key");
    expect(finding?.found).toBe("plogs.log_2025 (partition of plogs.log)");
    expect(finding?.fix).toContain("ALTER TABLE plogs.log ADD PRIMARY KEY (<column>, <partition key column(s)>);   -- on the partitioned table (partition key: RANGE (at))");
    expect(finding?.fix).toContain("ALTER TABLE plogs.log_2025 REPLICA IDENTITY FULL;");
  });
});

describe("deferrable constraints", () => {
  it("GIVEN a DEFERRABLE INITIALLY DEFERRED unique constraint and a deferrable foreign key THEN a warning names both, and the printed fixes make them immediate", async () => {
    await db.sql(`CREATE SCHEMA seating;
      CREATE TABLE seating.rows (id int PRIMARY KEY);
      CREATE TABLE seating.seats (id int PRIMARY KEY, row_id int, pos int,
        CONSTRAINT "Seat Pos" UNIQUE (row_id, pos) DEFERRABLE INITIALLY DEFERRED,
        CONSTRAINT seats_row_fk FOREIGN KEY (row_id) REFERENCES seating.rows (id) DEFERRABLE)`);
    const [finding] = findingsOf(await checkSchema("seating"), "tables.deferrable_constraints");
    expect(finding?.severity).toBe("warning");
    expect(finding?.found.split("\n")).toEqual([
      'seating.seats: UNIQUE "Seat Pos" (DEFERRABLE INITIALLY DEFERRED)',
      "seating.seats: FOREIGN KEY seats_row_fk (DEFERRABLE INITIALLY IMMEDIATE)",
    ]);
    const statements = (finding?.fix ?? "").split("\n").filter((l) => l.startsWith("ALTER TABLE"));
    expect(statements).toEqual([
      'ALTER TABLE seating.seats DROP CONSTRAINT "Seat Pos", ADD CONSTRAINT "Seat Pos" UNIQUE (row_id, pos);',
      "ALTER TABLE seating.seats ALTER CONSTRAINT seats_row_fk NOT DEFERRABLE;",
    ]);
    for (const statement of statements) await db.sql(statement);
    expect(findingsOf(await checkSchema("seating"), "tables.deferrable_constraints")).toEqual([]);
  });
});

describe("keys that never reach the WAL", () => {
  it("GIVEN a DEFERRABLE primary key THEN a replica-identity warning, and test_decoding indeed decodes a DELETE of it without any key", async () => {
    await db.sql(`CREATE SCHEMA ident;
      CREATE TABLE ident.deferred_pk (id int PRIMARY KEY DEFERRABLE, v text);
      CREATE TABLE ident.nothing (id int PRIMARY KEY, v text);
      ALTER TABLE ident.nothing REPLICA IDENTITY NOTHING;
      CREATE TABLE ident.fine (id int PRIMARY KEY, v text);
      INSERT INTO ident.deferred_pk VALUES (1, 'a'); INSERT INTO ident.fine VALUES (1, 'a')`);
    const [finding] = findingsOf(await checkSchema("ident"), "tables.replica_identity");
    expect(finding?.found.split("\n")).toEqual(["ident.deferred_pk: its primary key is DEFERRABLE", "ident.nothing: REPLICA IDENTITY NOTHING"]);
    expect(finding?.fix).toContain("ALTER TABLE ident.deferred_pk REPLICA IDENTITY FULL;");
    expect(finding?.fix).toContain("ALTER TABLE ident.nothing REPLICA IDENTITY DEFAULT;");

    const slot = `pf_gaps_${db.name.slice(-8)}`;
    await db.sql(`SELECT pg_create_logical_replication_slot('${slot}', 'test_decoding')`);
    try {
      // The test servers run with synchronous_commit off: flush these commits so the slot sees them now.
      await db.sql("SET synchronous_commit = on; DELETE FROM ident.deferred_pk; DELETE FROM ident.fine");
      const changes = await db.sql<{ data: string }>(`SELECT data FROM pg_logical_slot_get_changes('${slot}', NULL, NULL) WHERE data LIKE 'table %'`);
      expect(changes.map((c) => c.data)).toEqual(["table ident.deferred_pk: DELETE: (no-tuple-data)", "table ident.fine: DELETE: id[integer]:1"]);
    } finally {
      await db.sql(`SELECT pg_drop_replication_slot('${slot}')`);
    }
  });
});

describe("large objects", () => {
  it("GIVEN an oid column holding a large object THEN a warning counts the large objects and names the column, with lo_get into a bytea column", async () => {
    await db.sql(`CREATE SCHEMA files; CREATE TABLE files.docs (id int PRIMARY KEY, "Blob" oid);
      INSERT INTO files.docs VALUES (1, lo_from_bytea(0, 'hello'))`);
    const [finding] = findingsOf(await checkSchema("files"), "tables.large_objects");
    expect(finding?.severity).toBe("warning");
    expect(finding?.found.split("\n")).toEqual([`1 large object(s) in ${db.name} (pg_largeobject)`, 'files.docs."Blob" (oid)']);
    expect(finding?.fix).toContain('ALTER TABLE files.docs ADD COLUMN "Blob_bytes" bytea; UPDATE files.docs SET "Blob_bytes" = lo_get("Blob");');
  });
});
