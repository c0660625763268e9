import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runValidate } from "../../src/commands/validate.js";
import { BlockedError } from "../../src/core/errors.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import type { ValidateReport } from "../../src/migration/validate/compare.js";
import { runBuiltCli } from "../support/cli.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { envelopeIn } from "../support/json-envelope.js";

const globals: GlobalOptions = { statePath: "unused.state.json", yes: true, json: true, dryRun: false, verbose: false, color: false };

/** The same schema and rows on both sides, in a schema whose name needs quoting. */
const S = `"Shop ""Ops"""`;
const SCHEMA_NAME = `Shop "Ops"`;
const PAIR = `
  CREATE SCHEMA ${S};
  CREATE TABLE ${S}.events (id integer, at date, note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE ${S}.events_2024 PARTITION OF ${S}.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE ${S}.events_2025 PARTITION OF ${S}.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE INDEX events_note ON ${S}.events (note);
  INSERT INTO ${S}.events VALUES (1, '2024-03-01', 'a'), (2, '2024-07-01', 'b');
  CREATE TABLE ${S}.plain (id serial PRIMARY KEY, v integer);
  CREATE INDEX plain_v ON ${S}.plain (v);
  INSERT INTO ${S}.plain (v) SELECT g FROM generate_series(1, 10) AS g;
  CREATE MATERIALIZED VIEW ${S}.totals AS SELECT count(*) AS n, sum(v) AS s FROM ${S}.plain;
  CREATE SEQUENCE ${S}.wheel MINVALUE 1 MAXVALUE 4 CYCLE;
  SELECT nextval('${S}.wheel') FROM generate_series(1, 6);
  CREATE TABLE ${S}.journal (id integer PRIMARY KEY, what text);
`;

async function validate(source: TestDatabase, target: TestDatabase, over: { checksum?: boolean; schemas?: string } = {}) {
  const reporter = new MemoryReporter(true);
  let error: unknown;
  try {
    await runValidate(globals, { source: source.url, target: target.url, checksum: over.checksum ?? false, jobs: 2, ...(over.schemas ? { schemas: over.schemas } : {}) }, reporter);
  } catch (err) {
    error = err;
  }
  const report = reporter.jsonValues[0] as ValidateReport;
  const found = (report.objects?.differences ?? []).map((d) => `${d.check} ${d.object}`).sort();
  return { report, error, found, lines: reporter.lines };
}

describe("validate sees object states the rows do not show (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "valosrc"), freshDatabase("target", "valotgt")]);
    await Promise.all([source.sql(PAIR), target.sql(PAIR)]);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  /** Each defect is made on the target, checked, and undone, so every test sees only its own. */
  async function expectOnly(defect: string, undo: string, expected: string[], over: { checksum?: boolean } = {}) {
    await target.sql(defect);
    try {
      const run = await validate(source, target, over);
      expect(run.found).toEqual(expected);
      expect(run.error).toBeInstanceOf(BlockedError);
      expect((run.error as BlockedError).exitCode).toBe(3);
      expect(run.report.differences).toBeGreaterThanOrEqual(expected.length);
      return run;
    } finally {
      await target.sql(undo);
    }
  }

  it("GIVEN an identical pair WHEN validated with --checksum THEN no object state differs and it exits normally", async () => {
    const run = await validate(source, target, { checksum: true });
    expect(run.error).toBeUndefined();
    expect(run.report.differences).toBe(0);
    expect(run.report.objects?.differences).toEqual([]);
  });

  it("GIVEN an index left INVALID on the target by an interrupted CREATE INDEX CONCURRENTLY WHEN validated THEN it is reported", async () => {
    await target.sql(`DROP INDEX ${S}.plain_v`);
    // A writer's open transaction makes the concurrent build wait; the timeout cancels it half-done.
    const writer = new pg.Client({ connectionString: target.url });
    await writer.connect();
    try {
      await writer.query(`BEGIN; UPDATE ${S}.plain SET v = v WHERE false`);
      const builder = new pg.Client({ connectionString: target.url });
      await builder.connect();
      try {
        await builder.query("SET statement_timeout = '1s'");
        await expect(builder.query(`CREATE INDEX CONCURRENTLY plain_v ON ${S}.plain (v)`)).rejects.toThrow(/statement timeout/);
      } finally {
        await builder.end();
      }
    } finally {
      await writer.end();
    }
    const run = await expectOnly("SELECT 1", `DROP INDEX ${S}.plain_v; CREATE INDEX plain_v ON ${S}.plain (v)`, [`index-validity ${SCHEMA_NAME}.plain.plain_v`]);
    expect(run.lines.some((l) => l.includes(`index ${SCHEMA_NAME}.plain.plain_v: source valid | target`))).toBe(true);
    expect(run.lines.some((l) => l.includes(`REINDEX INDEX ${S}."plain_v"`))).toBe(true);
  });

  it("GIVEN a partition's index not attached to the parent's index on the target WHEN validated THEN the unattached index and the parent left invalid are reported", async () => {
    await expectOnly(
      `DROP INDEX ${S}.events_note;
       CREATE INDEX events_note ON ONLY ${S}.events (note);
       CREATE INDEX events_2024_note_idx ON ${S}.events_2024 (note);
       CREATE INDEX events_2025_note_idx ON ${S}.events_2025 (note);
       ALTER INDEX ${S}.events_note ATTACH PARTITION ${S}.events_2024_note_idx;`,
      `ALTER INDEX ${S}.events_note ATTACH PARTITION ${S}.events_2025_note_idx`,
      [`index-attachment ${SCHEMA_NAME}.events_2025.events_2025_note_idx`, `index-validity ${SCHEMA_NAME}.events.events_note`],
    );
  });

  it("GIVEN a partition detached from its parent on the target WHEN validated THEN the partition and its unattached indexes are reported", async () => {
    await expectOnly(
      `ALTER TABLE ${S}.events DETACH PARTITION ${S}.events_2025`,
      `ALTER TABLE ${S}.events ATTACH PARTITION ${S}.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`,
      [`index-attachment ${SCHEMA_NAME}.events_2025.events_2025_note_idx`, `index-attachment ${SCHEMA_NAME}.events_2025.events_2025_pkey`, `partition-attachment ${SCHEMA_NAME}.events_2025`],
    );
  });

  it("GIVEN a materialized view not populated on the target WHEN validated THEN it is reported with REFRESH as the fix", async () => {
    const run = await expectOnly(`REFRESH MATERIALIZED VIEW ${S}.totals WITH NO DATA`, `REFRESH MATERIALIZED VIEW ${S}.totals`, [`matview-population ${SCHEMA_NAME}.totals`], { checksum: true });
    expect(run.lines.some((l) => l.includes(`REFRESH MATERIALIZED VIEW ${S}."totals"`))).toBe(true);
  });

  it("GIVEN a target sequence set back to 1 WHEN validated THEN it is reported as behind the source", async () => {
    const run = await expectOnly(`SELECT setval('${S}.plain_id_seq', 1)`, `SELECT setval('${S}.plain_id_seq', 10)`, [`sequence-position ${SCHEMA_NAME}.plain_id_seq`]);
    expect(run.report.objects?.differences[0]).toMatchObject({ source: "next 11" });
  });

  it("GIVEN a CYCLE sequence further along on the target than on the source WHEN validated THEN it is reported: only the exact position will do", async () => {
    await expectOnly(`SELECT setval('${S}.wheel', 4)`, `SELECT setval('${S}.wheel', 2)`, [`sequence-position ${SCHEMA_NAME}.wheel`]);
  });

  it("GIVEN a table UNLOGGED on the target only WHEN validated THEN it is reported with SET LOGGED as the fix", async () => {
    const run = await expectOnly(`ALTER TABLE ${S}.journal SET UNLOGGED`, `ALTER TABLE ${S}.journal SET LOGGED`, [`persistence ${SCHEMA_NAME}.journal`]);
    expect(run.report.objects?.differences[0]).toMatchObject({ source: "logged", target: "UNLOGGED", fix: `ALTER TABLE ${S}."journal" SET LOGGED` });
  });

  it("GIVEN a target sequence set back WHEN the built binary validates with --json THEN it exits 3 and the JSON lists the object difference", async () => {
    await target.sql(`SELECT setval('${S}.plain_id_seq', 3)`);
    try {
      const run = await runBuiltCli(["validate", "--source", source.url, "--target", target.url, "--json", "--schemas", SCHEMA_NAME]);
      expect(run.code).toBe(3);
      const report = envelopeIn<ValidateReport>(run.stdout, { command: "validate", exitCode: 3 }).result;
      expect(report.objects?.differences.map(({ fix, ...rest }) => ({ ...rest, namesTheCommand: fix.includes("sync-sequences") }))).toEqual([
        {
          check: "sequence-position",
          object: `${SCHEMA_NAME}.plain_id_seq`,
          source: "next 11",
          target: "next 4 (behind: it would hand out values the source already did)",
          namesTheCommand: true,
        },
      ]);
      expect(report.differences).toBe(1);
      expect(run.stderr).toContain("Source and target differ: 1 difference(s)");
    } finally {
      await target.sql(`SELECT setval('${S}.plain_id_seq', 10)`);
    }
  });

  it("GIVEN DMS's and the tool's own triggers and schemas on either side WHEN validated THEN none of them counts as a difference", async () => {
    const trigger = (name: string) => `
      CREATE FUNCTION ${S}.${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER ${name} AFTER UPDATE ON ${S}.plain FOR EACH ROW EXECUTE FUNCTION ${S}.${name}_fn();`;
    // The trigger functions live in the machinery's schemas, as the tool and DMS put them.
    await source.sql(`CREATE SCHEMA aurora_migrate; CREATE TABLE aurora_migrate.key_changes (id bigint); ${trigger("aurora_migrate_key_change").replaceAll(`${S}.aurora_migrate_key_change_fn`, "aurora_migrate.key_change_fn")}`);
    await target.sql(`CREATE SCHEMA awsdms_standin; CREATE TABLE awsdms_standin.applied (id bigint); ${trigger("awsdms_apply").replaceAll(`${S}.awsdms_apply_fn`, "awsdms_standin.apply_fn")}`);
    try {
      const run = await validate(source, target, { schemas: `${SCHEMA_NAME},aurora_migrate,awsdms_standin` });
      expect(run.report.parity?.differences).toEqual([]);
      expect(run.error).toBeUndefined();
      expect(run.report.tables.map((t) => t.table)).not.toContain("key_changes");
    } finally {
      await source.sql(`DROP SCHEMA aurora_migrate CASCADE`);
      await target.sql(`DROP SCHEMA awsdms_standin CASCADE`);
    }
  });
});
