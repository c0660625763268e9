import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { BlockedError, ExitCode } from "../../src/core/errors.js";
import { RES } from "../../src/migration/aws/resources.js";
import { WAL_BUDGET_QUESTION, WAL_PROJECTION_QUESTION } from "../../src/plan/wal-retention.js";
import type { Answer } from "../../src/state/schema.js";
import { restoreAndSequencesStep } from "../../src/steps/restore-and-sequences.js";
import { FakeClock } from "../support/aws/harness.js";
import { freshDatabase, type TestDatabase } from "../support/databases.js";
import { UNWRITABLE_STATE_PATH, testContext } from "../support/step-context.js";

/**
 * Step 9 with the DMS task stopped: a logical slot nobody reads (the stopped consumer) while the
 * source writes, the projection shown before the restore, and restore.walProjection under --yes.
 */
let source: TestDatabase;
let target: TestDatabase;
const slot = `wal_restore_${Math.random().toString(16).slice(2, 10)}`;
const TABLE = "CREATE TABLE filler (id int, pad text)";
const INDEX = "CREATE INDEX filler_id ON public.filler USING btree (id)";

/** Writes about `mb` MB with synchronous_commit on (the test servers turn it off), so pg_current_wal_lsn() sees them. */
async function write(mb: number): Promise<void> {
  const c = new pg.Client({ connectionString: source.url });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = on");
    await c.query(`INSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, ${mb * 1000}) g`);
  } finally {
    await c.end();
  }
}

/** Step 9's context: the slot recorded, the index set aside, a clock whose 2 s sample is the source writing 5 MB. */
function restoreContext(config: Record<string, Answer>, budget?: string) {
  const fake = new FakeClock();
  const clock: Clock = { now: () => fake.now(), sleep: async (ms, signal) => { await write(5); await fake.sleep(ms, signal); } };
  const ctx = testContext({ sourceUrl: source.url, targetUrl: target.url, clock, config: { "restore.jobs": 1, ...config } });
  // As step 2 (or --wal-budget at the session's start) records it.
  if (budget !== undefined) ctx.state.answers[WAL_BUDGET_QUESTION] = budget;
  ctx.state.resources[RES.slot] = { kind: "replication-slot", id: slot, createdByUs: true, recordedAt: clock.now().toISOString() };
  ctx.state.outputs["schema-load"] = {
    method: "built-in",
    schemas: ["public"],
    phase: "loaded",
    setAside: [{ kind: "index", schema: "public", table: "filler", name: "filler_id", definition: INDEX }],
  };
  return ctx;
}

async function indexOnTarget(): Promise<boolean> {
  const rows = await target.sql<{ found: boolean }>("SELECT to_regclass('public.filler_id') IS NOT NULL AS found");
  return rows[0]?.found === true;
}

beforeEach(async () => {
  [source, target] = await Promise.all([freshDatabase("source", "walrs"), freshDatabase("target", "walrt")]);
  await source.sql(TABLE);
  await source.sql(INDEX);
  await target.sql(TABLE);
  await source.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
  await write(2);
});
afterEach(async () => {
  await source.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [slot]);
  await Promise.all([source.drop(), target.drop()]);
});

describe("step 9's WAL projection (task stopped, slot not read)", () => {
  it("GIVEN a disk budget the slot already outgrows WHEN --yes THEN the projection is shown, the step stops before the restore (exit 3) with the resume command, and nothing is built", async () => {
    const ctx = restoreContext({}, "4MB");
    const err = await restoreAndSequencesStep.run(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, ctx.reporter.lines.join("\n")).toBeInstanceOf(BlockedError);
    const blocked = err as BlockedError;
    expect(blocked.exitCode).toBe(ExitCode.blocked);
    expect(blocked.message).toBe("Stopped before the restore: the projected WAL retention is in danger.");
    expect(blocked.details?.join("\n")).toMatch(/would keep .* of WAL on the source at the end of the restore \(est\. ~1 min\), \+\d+\.\d GB\/h: \d+% of the disk budget \(4\.0 MB\)/);
    expect(blocked.details?.join("\n")).toContain(`--yes does not go on when the projection is in danger; to go on anyway unattended, answer "${WAL_PROJECTION_QUESTION}": "continue"`);
    expect(blocked.hint).toContain(`Then continue with: aurora-migrate resume --state ${UNWRITABLE_STATE_PATH}`);
    const lines = ctx.reporter.lines.join("\n");
    expect(lines).toMatch(/Restore: ~1 min \(est\.: 1 build\(s\) over \d+(\.\d)? [kM]B of the source's tables and indexes at an assumed 25\.0 MB\/s per build, 1 at a time\)\./);
    expect(lines).toMatch(/! The DMS task is stopped during the restore: the replication slot would keep .* at the end of the restore/);
    expect(await indexOnTarget()).toBe(false);
    // Asked each time: the answer (here --yes's default) is not kept for the next projection.
    expect(ctx.state.answers[WAL_PROJECTION_QUESTION]).toBeUndefined();
  });

  it("GIVEN the same danger WHEN restore.walProjection continue is given THEN the restore runs", async () => {
    const ctx = restoreContext({ [WAL_PROJECTION_QUESTION]: "continue" }, "4MB");
    await restoreAndSequencesStep.run(ctx);
    expect(await indexOnTarget()).toBe(true);
    expect(ctx.state.answers[WAL_PROJECTION_QUESTION]).toBeUndefined();
  });

  it("GIVEN no budget and max_slot_wal_keep_size unlimited (warn) WHEN --yes THEN it warns with the fix and continues", async () => {
    const ctx = restoreContext({});
    await restoreAndSequencesStep.run(ctx);
    expect(await indexOnTarget()).toBe(true);
    const warnings = ctx.reporter.lines.filter((l) => l.startsWith("! "));
    // Said once: the restore's own readings do not repeat the projection's warning.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("max_slot_wal_keep_size = -1 (unlimited) and no disk budget");
  });

  it("GIVEN no limit at all (unlimited, no budget) and a person at the keyboard THEN the projection is said but nothing is asked (there is nothing to project against)", async () => {
    const ctx = restoreContext({});
    const asked: string[] = [];
    const select = ctx.prompter.select.bind(ctx.prompter);
    ctx.prompter.select = (async (q: Parameters<typeof select>[0]) => {
      asked.push(q.id);
      return select(q);
    }) as typeof ctx.prompter.select;
    await restoreAndSequencesStep.run(ctx);
    expect(asked).not.toContain(WAL_PROJECTION_QUESTION);
    expect(await indexOnTarget()).toBe(true);
  });
});
