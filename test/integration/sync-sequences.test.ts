import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSyncSequences } from "../../src/commands/sync-sequences.js";
import type { GlobalOptions } from "../../src/migration/context.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { runBuiltCli } from "../support/cli.js";
import { type TestDatabase, freshDatabase } from "../support/databases.js";
import { envelopeIn } from "../support/json-envelope.js";
import {
  FIXTURE_TABLES,
  PROPERTY_FIXTURE_DATA,
  PROPERTY_FIXTURE_DDL,
  PROPERTY_SCHEMA,
  SEQUENCE_FIXTURE_DATA,
  SEQUENCE_FIXTURE_DDL,
  copyPropertyRowsLikeDms,
  copyRowsLikeDms,
} from "../support/sequence-fixture.js";

const globals = (over: Partial<GlobalOptions> = {}): GlobalOptions => ({
  statePath: "unused.state.json",
  yes: true,
  json: true,
  dryRun: false,
  verbose: false,
  color: false,
  ...over,
});

interface JsonEntry {
  schema: string;
  name: string;
  action: string;
  reason: string;
  to?: { lastValue: string; isCalled: boolean };
}
interface JsonReport {
  moved: number;
  missingOnTarget: number;
  sequences: JsonEntry[];
}

async function sync(source: TestDatabase, target: TestDatabase, over: Partial<GlobalOptions> = {}): Promise<JsonReport> {
  const reporter = new MemoryReporter(true);
  await runSyncSequences(globals(over), { source: source.url, target: target.url }, reporter);
  return reporter.jsonValues[0] as JsonReport;
}

/** The furthest id each table's sequence has handed out on the source (deleted rows' ids included), or undefined if none. */
async function sourceHighWater(source: TestDatabase): Promise<Map<string, bigint | undefined>> {
  const out = new Map<string, bigint | undefined>();
  for (const { table, seq } of FIXTURE_TABLES) {
    const [row] = await source.sql<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${seq}`);
    out.set(table, row!.is_called ? BigInt(row!.last_value) : undefined);
  }
  return out;
}

describe("sync-sequences on every case the hand procedure gets wrong (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;

  beforeAll(async () => {
    source = await freshDatabase("source", "seqsrc");
    target = await freshDatabase("target", "seqtgt");
    await source.sql(SEQUENCE_FIXTURE_DDL);
    await source.sql(SEQUENCE_FIXTURE_DATA);
    await target.sql(SEQUENCE_FIXTURE_DDL);
    await copyRowsLikeDms(source, target);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a full load that left every target sequence at its start WHEN run with --dry-run THEN it prints the plan and changes nothing", async () => {
    const report = await sync(source, target, { dryRun: true });
    expect(report.moved).toBeGreaterThan(0);
    const rows = await target.sql<{ last_value: string; is_called: boolean }>("SELECT last_value::text, is_called FROM public.orders_id_seq");
    expect(rows[0]).toEqual({ last_value: "1", is_called: false });
  });

  it("GIVEN the loaded target WHEN synced THEN every sequence takes the source's exact state, the deleted ids' included", async () => {
    const report = await sync(source, target);
    const byName = new Map(report.sequences.map((e) => [`${e.schema}.${e.name}`, e]));
    // Deleted rows: the source handed out 10 though max(id) is 5; COALESCE(MAX(id)) would say 5.
    expect(byName.get("public.orders_id_seq")?.to).toEqual({ lastValue: "10", isCalled: true });
    // A sequence no column owns, shared by two tables through DEFAULT nextval().
    expect(byName.get("public.shared_ids")?.to).toEqual({ lastValue: "7", isCalled: true });
    // Same table name in two schemas: each sequence its own value.
    expect(byName.get("public.items_id_seq")?.to).toEqual({ lastValue: "3", isCalled: true });
    expect(byName.get("billing.items_id_seq")?.to).toEqual({ lastValue: "100", isCalled: true });
    expect(byName.get("public.events_id_seq")?.to).toEqual({ lastValue: "7", isCalled: true });
    expect(byName.get("Sales.Order Lines_LineId_seq")?.to).toEqual({ lastValue: "12", isCalled: true });
    expect(byName.get("public.countdown")?.to).toEqual({ lastValue: "-3", isCalled: true });
    // Empty table: never called on either side, so nothing to move.
    expect(byName.get("public.empty_things_id_seq")?.action).toBe("unchanged");
    expect(report.missingOnTarget).toBe(0);
  });

  it("GIVEN synced sequences WHEN the app inserts on the target THEN every insert succeeds with an id the source never handed out", async () => {
    const highWater = await sourceHighWater(source);
    for (const { table, id, step } of FIXTURE_TABLES) {
      const rows = await target.sql<{ id: string }>(`INSERT INTO ${table} (note) VALUES ('after cutover') RETURNING ${id}::text AS id`);
      const got = BigInt(rows[0]!.id);
      const high = highWater.get(table);
      // Beyond the furthest id the source ever handed out, in the sequence's own direction.
      if (high !== undefined) expect(step > 0n ? got > high : got < high, `${table}: got ${got}, source reached ${high}`).toBe(true);
    }
  });

  it("GIVEN a target sequence already past the source WHEN synced THEN it is not moved backwards", async () => {
    await target.sql("SELECT setval('public.items_id_seq', 500)");
    const report = await sync(source, target);
    const entry = report.sequences.find((e) => e.schema === "public" && e.name === "items_id_seq");
    expect(entry?.action).toBe("unchanged");
    expect(entry?.reason).toBe("target ahead");
    const rows = await target.sql<{ last_value: string }>("SELECT last_value::text FROM public.items_id_seq");
    expect(rows[0]?.last_value).toBe("500");
  });

  it("GIVEN target rows with ids beyond the source's sequence WHEN synced THEN the sequence lands past the column's max, also when counting down", async () => {
    await target.sql("INSERT INTO billing.items (id, note) VALUES (900, 'arrived with an explicit id')");
    await target.sql("INSERT INTO public.refunds (id, note) VALUES (-70, 'explicit')");
    const report = await sync(source, target);
    const find = (s: string, n: string) => report.sequences.find((e) => e.schema === s && e.name === n);
    expect(find("billing", "items_id_seq")?.to).toEqual({ lastValue: "900", isCalled: true });
    expect(find("public", "countdown")?.to).toEqual({ lastValue: "-70", isCalled: true });
    const [row] = await target.sql<{ id: number }>("INSERT INTO public.refunds (note) VALUES ('x') RETURNING id");
    expect(row?.id).toBe(-71);
  });

  it("GIVEN a source sequence the target lacks WHEN synced THEN it is reported as missing and not created", async () => {
    await source.sql("CREATE SEQUENCE public.only_on_source; SELECT nextval('public.only_on_source')");
    const report = await sync(source, target);
    expect(report.missingOnTarget).toBe(1);
    expect(report.sequences.find((e) => e.name === "only_on_source")?.action).toBe("missing-on-target");
    const rows = await target.sql("SELECT 1 FROM pg_class WHERE relname = 'only_on_source'");
    expect(rows).toHaveLength(0);
  });

  it("GIVEN the built binary WHEN run with --dry-run --json THEN it exits 0 with the plan as JSON, and without --target it exits 2 naming the flag", async () => {
    const ok = await runBuiltCli(["sync-sequences", "--source", source.url, "--target", target.url, "--dry-run", "--json"]);
    expect(ok.code).toBe(0);
    const plan = envelopeIn<JsonReport & { dryRun: boolean }>(ok.stdout, { command: "sync-sequences", exitCode: ok.code }).result;
    expect(plan.dryRun).toBe(true);
    expect(plan.sequences.map((e) => `${e.schema}.${e.name}`)).toContain("Sales.Order Lines_LineId_seq");
    const bad = await runBuiltCli(["sync-sequences", "--source", source.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--target");
  });
});

describe("sync-sequences keeps every sequence property: CYCLE, counting down, bounds, identity (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  const state = async (db: TestDatabase, seq: string) =>
    (await db.sql<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${PROPERTY_SCHEMA}.${seq}`))[0];

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "seqpsrc"), freshDatabase("target", "seqptgt")]);
    await Promise.all([source.sql(PROPERTY_FIXTURE_DDL), target.sql(PROPERTY_FIXTURE_DDL)]);
    await source.sql(PROPERTY_FIXTURE_DATA);
    await copyPropertyRowsLikeDms(source, target);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a CYCLE sequence that wrapped (at 2, its column's max 5) WHEN synced THEN the target is at the source's exact position and the next ticket is 3", async () => {
    await sync(source, target);
    expect(await state(target, "ticket_no")).toEqual({ last_value: "2", is_called: true });
    const [row] = await target.sql<{ ticket: number }>(`INSERT INTO ${PROPERTY_SCHEMA}."Tickets" DEFAULT VALUES RETURNING ticket`);
    expect(row?.ticket).toBe(3);
    // The identity column's sequence in the same quoted schema moved past the source's 7.
    expect(await state(target, `"Tickets_id_seq"`)).toEqual({ last_value: "8", is_called: true });
  });

  it("GIVEN a CYCLE sequence counting down that wrapped (3, 2, 1, 3, 2) WHEN synced THEN the target is at 2, not past the column's min", async () => {
    expect(await state(target, "slot")).toEqual({ last_value: "2", is_called: true });
  });

  it("GIVEN a bounded sequence counting down (1000 → 1) and an id 0 outside its bounds WHEN synced THEN it lands at the source's 998, and past an id the target holds within its bounds", async () => {
    expect(await state(target, "down")).toEqual({ last_value: "998", is_called: true });
    await target.sql(`INSERT INTO ${PROPERTY_SCHEMA}."Down" (id) VALUES (500)`);
    await sync(source, target);
    const [row] = await target.sql<{ id: number }>(`INSERT INTO ${PROPERTY_SCHEMA}."Down" DEFAULT VALUES RETURNING id`);
    expect(row?.id).toBe(499);
  });

  it("GIVEN a target that is not moved back WHEN the source's descending sequence is behind it THEN it stays (never up for a sequence counting down)", async () => {
    const report = await sync(source, target);
    const entry = report.sequences.find((e) => e.name === "down");
    expect(entry?.action).toBe("unchanged");
    expect(await state(target, "down")).toEqual({ last_value: "499", is_called: true });
  });

  it("GIVEN the source's CYCLE sequence set back with is_called false WHEN synced THEN the target takes that exact state, though numerically behind", async () => {
    await source.sql(`SELECT setval('${PROPERTY_SCHEMA}.ticket_no', 1, false)`);
    await sync(source, target);
    expect(await state(target, "ticket_no")).toEqual({ last_value: "1", is_called: false });
  });
});

describe("sync-sequences decides on the target's server what it reads there: uncalled positions, bigint limits, numeric and NULL ids, odd names (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  const EDGE_DDL = `
    CREATE SCHEMA "$am0$ ""Odd"" sch";
    CREATE SEQUENCE "$am0$ ""Odd"" sch"."seq $am0$ 'q'";
    CREATE TABLE "$am0$ ""Odd"" sch"."Tab" (id bigint PRIMARY KEY DEFAULT nextval('"$am0$ ""Odd"" sch"."seq $am0$ ''q''"'));
    CREATE SEQUENCE public.restarted;
    CREATE TABLE public.restarted_t (id bigint PRIMARY KEY DEFAULT nextval('public.restarted'));
    CREATE SEQUENCE public.at_the_top MAXVALUE 9223372036854775807;
    CREATE SEQUENCE public.money_ids;
    CREATE TABLE public.money (id numeric DEFAULT nextval('public.money_ids'), note text);
    CREATE SEQUENCE public.set_back;
  `;
  const state = async (db: TestDatabase, seq: string) => (await db.sql<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${seq}`))[0];

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "seqesrc"), freshDatabase("target", "seqetgt")]);
    await Promise.all([source.sql(EDGE_DDL), target.sql(EDGE_DDL)]);
    await source.sql(`
      INSERT INTO "$am0$ ""Odd"" sch"."Tab" SELECT FROM generate_series(1, 4);
      INSERT INTO public.restarted_t SELECT FROM generate_series(1, 20);
      SELECT setval('public.at_the_top', 9223372036854775807, true);
      INSERT INTO public.money (note) SELECT 'm' FROM generate_series(1, 3);
      SELECT setval('public.set_back', 42, false);
    `);
    // The target was moved on by hand: restarted at 500 (uncalled, 500 is its next value).
    await target.sql("ALTER SEQUENCE public.restarted RESTART WITH 500");
    // Rows the target got on its own: a numeric id with a fraction beyond the source's 3, and ids left NULL.
    await target.sql("INSERT INTO public.money (id, note) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (41.5, 'explicit'), (NULL, 'no id'), (NULL, 'no id')");
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a target sequence restarted ahead (uncalled at 500) and the source at 20 WHEN synced THEN it is not moved back: the next id stays 500", async () => {
    const report = await sync(source, target);
    expect(report.sequences.find((e) => e.name === "restarted")).toMatchObject({ action: "unchanged", reason: "target ahead" });
    expect(await state(target, "public.restarted")).toEqual({ last_value: "500", is_called: false });
  });

  it("GIVEN a source sequence at bigint's largest value WHEN synced THEN the target takes it, with no overflow in the comparison", async () => {
    expect(await state(target, "public.at_the_top")).toEqual({ last_value: "9223372036854775807", is_called: true });
  });

  it("GIVEN a numeric column fed by a sequence holding 41.5 and NULLs on the target WHEN synced THEN the sequence lands past 41.5 (next id 42), NULLs ignored", async () => {
    expect(await state(target, "public.money_ids")).toEqual({ last_value: "41", is_called: true });
    const [row] = await target.sql<{ id: string }>("INSERT INTO public.money (note) VALUES ('next') RETURNING id::text");
    expect(row?.id).toBe("42");
  });

  it("GIVEN a source sequence set back uncalled (setval 42, false) WHEN synced THEN the target takes that exact state: next value 42", async () => {
    expect(await state(target, "public.set_back")).toEqual({ last_value: "42", is_called: false });
  });

  it("GIVEN a schema and sequence whose names hold quotes and the block's own dollar tag WHEN synced THEN it moves like any other", async () => {
    expect(await state(target, `"$am0$ ""Odd"" sch"."seq $am0$ 'q'"`)).toEqual({ last_value: "4", is_called: true });
  });

  it("GIVEN 2 sequences to move and 1 missing on the target WHEN the built binary runs without --verbose THEN it prints one line of counts and one warning naming the missing one; with --verbose each sequence's line", async () => {
    await source.sql("CREATE SEQUENCE public.only_here; SELECT nextval('public.only_here'); SELECT setval('public.restarted', 900)");
    await target.sql("SELECT setval('public.money_ids', 1, false)");
    const plain = await runBuiltCli(["sync-sequences", "--source", source.url, "--target", target.url, "--dry-run"]);
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^! 6 sequence\(s\) checked in \S.*: 2 would move, 3 unchanged \(at or past the source\), 1 missing on the target, 0 out of range$/);
    expect(lines[1]).toMatch(/^! Missing on the target \(not created\): "public"\."only_here"\. Create them there/);
    expect(lines.slice(2)).toEqual(["Dry run: nothing was changed."]);
    const verbose = await runBuiltCli(["sync-sequences", "--source", source.url, "--target", target.url, "--dry-run", "--verbose"]);
    expect(verbose.stdout).toContain(`would move "public"."restarted": 500 (not called) → 900 (source ahead)`);
    expect(verbose.stdout).toContain(`unchanged  "public"."at_the_top"`);
    expect(verbose.stdout).toContain(`missing    "public"."only_here"`);
  });
});

describe("sync-sequences shares the target's work between two sessions, each deciding against what it reads (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  const DDL = ["a", "b", "c", "d"].map((t) => `CREATE TABLE public.${t} (id serial PRIMARY KEY);`).join("\n");
  const state = async (seq: string) => (await target.sql<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${seq}`))[0];

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "seqssrc"), freshDatabase("target", "seqstgt")]);
    await Promise.all([source.sql(DDL), target.sql(DDL)]);
    await source.sql(["a", "b", "c", "d"].map((t) => `SELECT setval('public.${t}_id_seq', 10);`).join("\n"));
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a row written on the target while the sync runs, its table locked until then WHEN synced THEN the other session's sequences are set meanwhile, and that sequence lands past the row (its column read in the statement that sets it)", async () => {
    // A writer on the target holds d (the second session's share: a, b | c, d) and inserts an id beyond the source's 10.
    const writer = new pg.Client({ connectionString: target.url });
    await writer.connect();
    try {
      await writer.query("BEGIN; LOCK TABLE public.d IN ACCESS EXCLUSIVE MODE; INSERT INTO public.d (id) VALUES (5000)");
      const syncing = sync(source, target);
      // The sync waits on the lock: d's column is read in the statement that decides d.
      for (let i = 0; i < 200; i += 1) {
        const [w] = await target.sql<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks l WHERE NOT l.granted AND l.relation = 'public.d'::regclass AND l.pid <> pg_backend_pid()",
        );
        if (w!.n > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      // The first session's statement is done meanwhile: a and b already at the source's position.
      expect(await state("public.a_id_seq")).toEqual({ last_value: "10", is_called: true });
      expect(await state("public.b_id_seq")).toEqual({ last_value: "10", is_called: true });
      expect(await state("public.d_id_seq")).toEqual({ last_value: "1", is_called: false });
      await writer.query("COMMIT");
      const report = await syncing;
      expect(report.moved).toBe(4);
      expect(report.sequences.find((e) => e.name === "d_id_seq")).toMatchObject({ action: "set", to: { lastValue: "5000", isCalled: true } });
      expect(await state("public.d_id_seq")).toEqual({ last_value: "5000", is_called: true });
      expect(await state("public.c_id_seq")).toEqual({ last_value: "10", is_called: true });
    } finally {
      await writer.end();
    }
  });
});

describe("sync-sequences passes names to the target's statement as array literals: every character an array literal escapes survives (PostgreSQL 15 → 17)", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  // Backslashes, commas, braces, double and single quotes, blanks, and the word NULL.
  const SCHEMA = `a\b, {c} "d"`;
  const SEQ = "NULL";
  const SEQ2 = `e\\f 'g' }{ , NULL`;
  const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
  const lit = (text: string): string => `'${text.replace(/'/g, "''")}'`;
  const seq = `${ident(SCHEMA)}.${ident(SEQ)}`;
  const seq2 = `${ident(SCHEMA)}.${ident(SEQ2)}`;
  const DDL = `CREATE SCHEMA ${ident(SCHEMA)};
    CREATE SEQUENCE ${seq};
    CREATE TABLE ${ident(SCHEMA)}.t (id bigint PRIMARY KEY DEFAULT nextval(${lit(seq)}));
    CREATE SEQUENCE ${seq2};`;
  const state = async (db: TestDatabase, name: string) => (await db.sql<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${name}`))[0];

  beforeAll(async () => {
    [source, target] = await Promise.all([freshDatabase("source", "seqlsrc"), freshDatabase("target", "seqltgt")]);
    await Promise.all([source.sql(DDL), target.sql(DDL)]);
    await source.sql(`INSERT INTO ${ident(SCHEMA)}.t SELECT FROM generate_series(1, 6); SELECT setval(${lit(seq2)}, 33, false)`);
    // A row on the target beyond the source's 6: the column's max is read through the odd names.
    await target.sql(`INSERT INTO ${ident(SCHEMA)}.t (id) VALUES (70)`);
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("GIVEN a schema and sequences named with backslashes, commas, braces, quotes and NULL WHEN synced THEN each is found on the target, read, decided and set", async () => {
    const report = await sync(source, target);
    expect(report.missingOnTarget).toBe(0);
    expect(report.moved).toBe(2);
    expect(report.sequences.find((e) => e.name === SEQ)).toMatchObject({ schema: SCHEMA, action: "set", to: { lastValue: "70", isCalled: true } });
    expect(report.sequences.find((e) => e.name === SEQ2)).toMatchObject({ schema: SCHEMA, action: "set", to: { lastValue: "33", isCalled: false } });
    expect(await state(target, seq)).toEqual({ last_value: "70", is_called: true });
    expect(await state(target, seq2)).toEqual({ last_value: "33", is_called: false });
  });
});
