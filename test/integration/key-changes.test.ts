import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_DDL } from "../../src/adapters/postgres/marker.js";
import { showStatus } from "../../src/commands/status.js";
import { cleanupDepsFor } from "../../src/migration/cleanup/aws-deps.js";
import { runCleanup } from "../../src/migration/cleanup/run-cleanup.js";
import { OperationError } from "../../src/core/errors.js";
import { CAPTURE_QUESTION, ensureKeyChangeCapture } from "../../src/migration/key-changes/capture-step.js";
import { readChangedKeys } from "../../src/migration/key-changes/read.js";
import { readOutput } from "../../src/migration/outputs/read.js";
import { recordKeyChangeCount } from "../../src/migration/source-watch.js";
import { repairChangedKeys } from "../../src/migration/key-changes/repair.js";
import { writeStateAtomic } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { FakeClock } from "../support/aws/harness.js";
import { seedMigration } from "../support/aws/seed.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { type TestContext, testContext } from "../support/step-context.js";

let source: TestDatabase;
let target: TestDatabase;

beforeEach(async () => {
  source = await freshDatabase("source", "kc");
  target = await freshDatabase("target", "kc");
});
afterEach(async () => {
  await source.drop();
  await target.drop();
});

const ODD_SCHEMA = 'Ödd "Schema"';

/** An app schema with what real ones have: odd identifiers, a composite key, a partitioned table, a keyless table. */
const APP_DDL = `
  CREATE SCHEMA "Ödd ""Schema""";
  CREATE TABLE "Ödd ""Schema"""."Order ""Lines""" ("Order" int, "select" text, qty int NOT NULL, PRIMARY KEY ("Order", "select"));
  CREATE TABLE public.accounts (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, note text);
  CREATE TABLE public.events (id int, day date, what text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
  CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE public.log_lines (line text);
`;

function context(config: Record<string, string | number | boolean | string[]> = {}, sourceUrl = source.url): TestContext {
  return testContext({ sourceUrl, targetUrl: target.url, config });
}

async function installed(ctx: TestContext, url = source.url): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await ensureKeyChangeCapture(ctx, client);
  } finally {
    await client.end();
  }
}

async function triggerTables(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<{ t: string }>(
    "SELECT n.nspname || '.' || c.relname AS t FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE g.tgname = 'aurora_migrate_key_change' ORDER BY 1",
  );
  return rows.map((r) => r.t);
}

describe("key-change capture on the source (step 8)", () => {
  it("GIVEN odd names, a composite key, a partitioned table and a keyless table WHEN the capture is installed twice THEN every keyed table and leaf partition has the trigger once, the parent and the keyless table none, and the state lists them", async () => {
    await source.sql(APP_DDL);
    const ctx = context();
    await installed(ctx);
    await installed(ctx);
    expect(await triggerTables(source)).toEqual([`${ODD_SCHEMA}.Order "Lines"`, "public.accounts", "public.events_2024", "public.events_2025"].sort());
    const out = readOutput(ctx, "key-changes");
    expect(out?.capture).toBe("installed");
    expect(out?.tables).toHaveLength(4);
    expect(out?.withoutKey).toBe(1);
    expect(ctx.reporter.text).toMatch(/0 trigger\(s\) created now/);
  });

  it("GIVEN the capture WHEN UPDATEs change a key (composite, partitioned) THEN old and new keys are recorded, and an ordinary UPDATE records nothing", async () => {
    await source.sql(APP_DDL);
    await source.sql(`INSERT INTO "Ödd ""Schema"""."Order ""Lines""" VALUES (1, 'a', 1), (2, 'b', 2);
                      INSERT INTO events VALUES (1, '2024-03-01', 'x');
                      INSERT INTO accounts VALUES (1, 'a@x', NULL)`);
    await installed(context());
    await source.sql(`UPDATE "Ödd ""Schema"""."Order ""Lines""" SET qty = qty + 1`);
    await source.sql("UPDATE accounts SET note = 'ordinary', email = 'b@x'");
    await source.sql("UPDATE events SET what = 'y'");
    expect(await source.sql("SELECT * FROM aurora_migrate.key_changes")).toEqual([]);
    await source.sql(`UPDATE "Ödd ""Schema"""."Order ""Lines""" SET "select" = 'c' WHERE "Order" = 1`);
    await source.sql("UPDATE events SET id = 7 WHERE id = 1");
    const rows = await source.sql<{ schema_name: string; table_name: string; old_key: unknown; new_key: unknown }>(
      "SELECT schema_name, table_name, old_key, new_key FROM aurora_migrate.key_changes ORDER BY id",
    );
    expect(rows).toEqual([
      { schema_name: ODD_SCHEMA, table_name: 'Order "Lines"', old_key: { Order: 1, select: "a" }, new_key: { Order: 1, select: "c" } },
      { schema_name: "public", table_name: "events_2024", old_key: { id: 1, day: "2024-03-01" }, new_key: { id: 7, day: "2024-03-01" } },
    ]);
  });

  it("GIVEN a source login that does not own the app's tables WHEN step 8 installs the capture THEN it stops with the exact GRANT, and answering no goes on with a warning and records it", async () => {
    await source.sql(APP_DDL);
    const login = `kc_${randomBytes(3).toString("hex")}`;
    await source.sql(`CREATE ROLE ${login} LOGIN; GRANT CREATE ON DATABASE "${source.name}" TO ${login}; GRANT USAGE ON SCHEMA public, "Ödd ""Schema""" TO ${login}`);
    try {
      const ctx = context({}, source.urlAs(login));
      const err = await installed(ctx, source.urlAs(login)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationError);
      expect((err as OperationError).message).toMatch(new RegExp(`login ${login} cannot put the key-change trigger on 4 table\\(s\\)`));
      expect((err as OperationError).hint).toContain(`GRANT "postgres" TO "${login}";`);
      expect((err as OperationError).hint).toContain(`"${CAPTURE_QUESTION}": false`);
      expect(ctx.state.answers[CAPTURE_QUESTION]).toBeUndefined();
      expect(await triggerTables(source)).toEqual([]);

      const without = context({ [CAPTURE_QUESTION]: false }, source.urlAs(login));
      await installed(without, source.urlAs(login));
      expect(readOutput(without, "key-changes")?.capture).toBe("declined");
      expect(without.reporter.text).toMatch(/Primary-key changes are not recorded\. DMS ignores an UPDATE that changes a primary key/);
    } finally {
      await source.sql(`DROP OWNED BY ${login}; DROP ROLE ${login}`);
    }
  });
});

/** Tables of every kind of column, on both sides. */
const TYPED_DDL = `
  CREATE TABLE items (
    id bigint PRIMARY KEY,
    serial_no bigint GENERATED ALWAYS AS IDENTITY,
    code text NOT NULL UNIQUE,
    blob bytea, tags text[], amount numeric(40,10), doc json, meta jsonb, at timestamptz, ratio float8,
    twice numeric GENERATED ALWAYS AS (amount * 2) STORED
  );
  CREATE TABLE "Ödd ""Schema"""."Order ""Lines""" ("Order" int, "select" text, qty int NOT NULL, PRIMARY KEY ("Order", "select"));
`;

describe("repair of changed keys on the target", () => {
  it("GIVEN a target as DMS leaves it after a chain, a swap, a reused key, a deleted row and a composite key change WHEN the repair runs THEN the target's rows are the source's, every type intact", async () => {
    const ddl = `CREATE SCHEMA "Ödd ""Schema"""; ${TYPED_DDL}`;
    await source.sql(ddl);
    await target.sql(ddl);
    const seed = `
      INSERT INTO items (id, code, blob, tags, amount, doc, meta, at, ratio) VALUES
        (1, 'one', '\\x00ff10', '{"a b","c,d",NULL}', 123456789012345678901234567890.0123456789, '{"b": 1,  "a": [1, 2]}', '{"k": [true, null]}', '2024-05-06 07:08:09.123456+02', 0.1),
        (2, 'two', NULL, '{}', -0.5, 'null', '{}', 'infinity', 'NaN'),
        (3, 'three', '\\x', NULL, 0, '[]', 'null', NULL, -1e-300),
        (4, 'four', 'x', '{x}', 1, '1', '1', '1999-12-31 23:59:59+00', 1e300);
      INSERT INTO "Ödd ""Schema"""."Order ""Lines""" VALUES (1, 'a', 1), (2, 'b', 2);`;
    await source.sql(seed);
    await target.sql(seed);
    await installed(context());
    // On the source, during CDC:
    await source.sql(`
      UPDATE items SET id = 10 WHERE id = 1; UPDATE items SET id = 11 WHERE id = 10;
      UPDATE items SET id = -2 WHERE id = 2; UPDATE items SET id = 2 WHERE id = 3; UPDATE items SET id = 3 WHERE id = -2;
      UPDATE items SET meta = '{"after": "swap"}' WHERE id = 3;
      INSERT INTO items (id, code, amount) VALUES (1, 'reused', 5);
      UPDATE items SET id = 40 WHERE id = 4; DELETE FROM items WHERE id = 40;
      UPDATE "Ödd ""Schema"""."Order ""Lines""" SET "select" = 'z' WHERE "Order" = 1;`);
    // On the target, what DMS made of it: every key-changing UPDATE ignored; the UPDATE under
    // key 3 applied to the stale row 3; the INSERT under key 1 refused (the stale row 1 is
    // there; DMS logs it); the DELETE of 40 matched nothing.
    await target.sql(`UPDATE items SET meta = '{"after": "swap"}' WHERE id = 3`);

    const reader = new pg.Client({ connectionString: source.url });
    const writer = new pg.Client({ connectionString: target.url });
    await Promise.all([reader.connect(), writer.connect()]);
    try {
      const changed = await readChangedKeys(reader);
      expect(changed.changes).toBe(7);
      const result = await repairChangedKeys(reader, writer, changed.tables);
      // items: 1, 10, 11 (chain), 2, -2, 3 (swap), 4, 40 (deleted); the lines: (1, a) and (1, z).
      expect(result.keys).toBe(10);
    } finally {
      await Promise.all([reader.end(), writer.end()]);
    }
    const dump = (db: TestDatabase) =>
      db.sql(`SELECT id, serial_no, code, encode(blob, 'hex') AS blob, tags::text, amount::text, doc::text, meta::text, at::text, ratio::text, twice::text FROM items ORDER BY id`);
    expect(await dump(target)).toEqual(await dump(source));
    const lines = (db: TestDatabase) => db.sql(`SELECT * FROM "Ödd ""Schema"""."Order ""Lines""" ORDER BY 1, 2`);
    expect(await lines(target)).toEqual(await lines(source));
  });
});

describe("cleanup and status", () => {
  it("GIVEN the capture installed and a switched migration WHEN cleanup runs twice THEN no trigger, key-change table, function or tool schema remains, and the second run finds it already gone", async () => {
    await source.sql(APP_DDL);
    await source.sql(MARKER_DDL.join(";\n"));
    await installed(context());
    expect(await triggerTables(source)).toHaveLength(4);
    const fake = new FakeAws();
    const seeded = await seedMigration(fake);
    const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url, aws: fake, clock: new FakeClock() });
    Object.assign(ctx.state.resources, seeded.resources);
    ctx.state.outputs["dms-task"] = seeded.task;
    ctx.state.outputs["cutover"] = { report: { frozeAt: "2026-01-01T00:00:00.000Z", outcome: "switched" } };

    const first = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(first.done.some((d) => d.startsWith("the key-change capture on the source") && d.endsWith("4 trigger(s)"))).toBe(true);
    const traces = await source.sql(
      `SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'aurora\\_migrate\\_%')::int AS triggers,
              (SELECT count(*) FROM pg_proc WHERE proname = 'record_key_change')::int AS functions,
              (SELECT count(*) FROM pg_namespace WHERE nspname = 'aurora_migrate')::int AS schemas`,
    );
    expect(traces).toEqual([{ triggers: 0, functions: 0, schemas: 0 }]);
    const second = await runCleanup(ctx, cleanupDepsFor(ctx));
    expect(second.done).toEqual([]);
    expect(second.alreadyGone.some((d) => d.startsWith("the key-change capture on the source"))).toBe(true);
  });

  it("GIVEN a wait counted the key changes WHEN status runs THEN it shows that count with its age, without connecting, and the last cutover's figures", async () => {
    await source.sql(APP_DDL);
    await source.sql("INSERT INTO accounts VALUES (1, 'a@x', NULL), (2, 'b@x', NULL)");
    const ctx = context();
    await installed(ctx);
    await source.sql("UPDATE accounts SET id = id + 10");
    ctx.state.steps["sync-wait"] = { status: "running", attempts: 1, findings: [] };
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    try {
      await recordKeyChangeCount(ctx, client);
    } finally {
      await client.end();
    }
    expect(readOutput(ctx, "source-watch")?.keyChanges).toMatchObject({ recorded: 2, by: "sync-wait" });
    ctx.state.outputs["cutover"] = {
      report: { frozeAt: "2026-01-01T00:00:00.000Z", drainedAt: "2026-01-01T00:00:01.000Z", outcome: "rolled-back", keyChanges: { recorded: 1, keys: 2, copied: 1, deleted: 1 } },
    };
    // The source unreachable: status does not try it.
    ctx.state.answers["source.url"] = `postgres://nobody@127.0.0.1:1/${source.name}`;
    const dir = mkdtempSync(join(tmpdir(), "kc-status-"));
    try {
      const statePath = join(dir, "state.json");
      await writeStateAtomic(statePath, ctx.state);
      const options = { statePath, yes: true, json: false, dryRun: false, verbose: false, color: false };
      const reporter = new MemoryReporter();
      await showStatus(options, reporter);
      expect(reporter.text).toMatch(/2 primary-key change\(s\) recorded on the source \(trigger on 4 table\(s\)\), as of \d\d:\d\d UTC, (just now|1 min ago), read by the sync wait; the cutover re-copies those rows/);
      expect(reporter.text).toMatch(/Fresh count: on the source: SELECT count\(\*\) FROM aurora_migrate.key_changes;/);
      expect(reporter.text).toMatch(/At the last cutover \(2026-01-01T00:00:01.000Z\): 1 change\(s\) recorded, 2 key\(s\) re-synced on the target/);
      expect(reporter.text).not.toMatch(/Cannot connect/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
