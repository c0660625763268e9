import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { BlockedError, ExitCode, InterruptedError, OperationError, UsageError } from "../../src/core/errors.js";
import { applyFreeze } from "../../src/migration/cutover/freeze.js";
import { cutoverOutput } from "../../src/migration/cutover/output.js";
import { freezeIo } from "../../src/migration/cutover/window.js";
import { rollbackWindowOutput, rollbackWindowOpen } from "../../src/migration/rollback/output.js";
import { rollbackDepsFor } from "../../src/migration/rollback/rollback-deps.js";
import { rollbackUnfreeze } from "../../src/migration/rollback/rollback-recovery.js";
import { runRollback } from "../../src/migration/rollback/rollback-run.js";
import type { MigrationState } from "../../src/state/schema.js";
import { FakeAws, type FakeAwsOptions } from "../support/aws/fake-aws.js";
import { canConnect } from "../support/cutover-e2e.js";
import { type PgServer } from "../support/pg-server.js";
import { switchedWithWindow, useRollbackServers } from "../support/rollback-world.js";
import { type TestContext, testContext } from "../support/step-context.js";
import { shortSleepClock } from "../support/rollback-window.js";

// After a cutover: the app writes on "Aurora" (a server of its own: the rollback freezes it),
// the old server is frozen for the app by the cutover's freeze, and a logical-replication
// subscription carries Aurora's changes (and the marker) back to the old server, as the
// reverse DMS task does. The reverse task's status and latency come from the fake AWS.
let old: PgServer;
let aurora: PgServer;
let db: string;
let dir: string;
useRollbackServers(
  "rollback",
  "rb",
  {
    ddl: "CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL); CREATE TABLE items (id bigserial PRIMARY KEY, note text)",
    tables: ["orders", "items"],
    grants: "orders, orders_id_seq, items, items_id_seq",
    // As the forward migration left it: the same rows on both, the sequences where the cutover put them.
    seed: async (w) => {
      await w.aurora.sql("INSERT INTO orders (note) SELECT 'migrated ' || g FROM generate_series(1, 20) g", w.db);
      for (let i = 0; i < 400 && (await w.old.sql<{ n: string }>("SELECT count(*) AS n FROM orders", w.db))[0]?.n !== "20"; i += 1) await new Promise((r) => setTimeout(r, 25));
    },
  },
  (w) => ({ old, aurora, db, dir } = w),
);

const shopOnOld = (): Promise<boolean> => canConnect({ connectionString: old.url(db, "shop") });
const shopOnAurora = (): Promise<boolean> => canConnect({ connectionString: aurora.url(db, "shop") });

/** The database's privileges, entry by entry (a NULL ACL read as the default it stands for). */
async function acl(server: PgServer): Promise<string> {
  const rows = await server.sql<{ acl: string }>(
    `SELECT string_agg(a.grantee::regrole::text || ':' || a.privilege_type || ':' || a.is_grantable, ',' ORDER BY 1) AS acl
       FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a WHERE d.datname = '${db}'`,
  );
  return rows[0]!.acl;
}

interface World {
  fake: FakeAws;
  reverseArn: string;
  /** The state as the cutover left it, the window open. */
  state: MigrationState;
}

/** A state as a switched cutover with an open rollback window leaves it; the old server frozen for shop by the cutover's freeze. */
async function world(o: { latency?: FakeAwsOptions["latency"]; reverseStatus?: string; open?: boolean } = {}): Promise<World> {
  const fake = new FakeAws({ latency: o.latency ?? Array.from({ length: 500 }, () => ({ source: 1, target: 2 })) });
  const { ctx, reverseArn } = await switchedWithWindow(fake, { old, aurora, db, dir }, { ...(o.reverseStatus ? { reverseStatus: o.reverseStatus } : {}), ...(o.open === false ? { open: false } : {}) });
  return { fake, reverseArn, state: structuredClone(ctx.state) };
}

/** A rollback context on `state`; `crashAtSave` makes the n-th save the last one kept (then it throws, and every later save too: the process is dead). */
function contextOn(w: World, state: MigrationState, o: { hook?: string; crashAtSave?: number; dryRun?: boolean; signal?: AbortSignal } = {}): TestContext & { dead: () => boolean } {
  const ctx = testContext({
    sourceUrl: old.url(db),
    targetUrl: aurora.url(db),
    aws: w.fake,
    state: structuredClone(state),
    clock: shortSleepClock,
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    config: { "rollback.switchBackHook": o.hook ?? `touch ${dir}/hook.ran; printf '%s' "$DATABASE_URL" > ${dir}/hook.out`, "cutover.drainTimeoutSeconds": 30 },
  });
  let saves = 0;
  let dead = false;
  const save = ctx.save;
  const crashAt = o.crashAtSave;
  return Object.assign(ctx, {
    dead: () => dead,
    save: async () => {
      if (dead) throw new Error("the process is dead");
      await save();
      saves += 1;
      if (crashAt !== undefined && saves === crashAt) {
        dead = true;
        throw new Error(`killed right after save ${saves}`);
      }
    },
  });
}

describe("rollback", () => {
  it("GIVEN writes on Aurora after the switch WHEN rollback runs THEN the old server has them, its sequences move forward only, the app's first inserts there succeed, Aurora is frozen and the reverse task stopped", async () => {
    const w = await world();
    // The app on Aurora after the switch: rows, and ids handed out then lost.
    await aurora.sql("INSERT INTO orders (note) SELECT 'on aurora ' || g FROM generate_series(1, 15) g", db);
    await aurora.sql("SELECT nextval('orders_id_seq') FROM generate_series(1, 5)", db);
    // The old server's items sequence is ahead of Aurora's: it must not go back.
    await old.sql("SELECT setval('items_id_seq', 1000)", db);
    await aurora.sql("INSERT INTO items (note) VALUES ('a'), ('b')", db);
    expect(await shopOnOld()).toBe(false);

    const ctx = contextOn(w, w.state);
    const rb = await runRollback(ctx, rollbackDepsFor(ctx));
    expect(rb?.outcome).toBe("switched-back");
    expect(rb?.sequences).toMatch(/2 sequence\(s\) checked, 1 moved forward/);
    expect(readFileSync(join(dir, "hook.out"), "utf8")).toBe(old.url(db));
    expect((await old.sql<{ n: string }>("SELECT count(*) AS n FROM orders", db))[0]?.n).toBe("35");
    expect(await shopOnOld()).toBe(true);
    expect(await shopOnAurora()).toBe(false);
    // The app's first inserts on the old server, through each sequence, as its own role.
    const app = new pg.Client({ connectionString: old.url(db, "shop") });
    await app.connect();
    try {
      expect((await app.query<{ id: string }>("INSERT INTO orders (note) VALUES ('back on the old server') RETURNING id")).rows[0]?.id).toBe("41");
      expect((await app.query<{ id: string }>("INSERT INTO items (note) VALUES ('c') RETURNING id")).rows[0]?.id).toBe("1001");
    } finally {
      await app.end();
    }
    expect(w.fake.tasks.get(w.reverseArn)?.Status).toBe("stopped");
    expect(rb?.reverseStop?.stoppedAt).toBeDefined();
    expect(rb?.window?.totalMs).toBeGreaterThan(0);
    expect(rollbackWindowOpen(ctx)).toBe(false);
    expect(ctx.reporter.text).toMatch(/aurora-migrate finish/);
    expect(ctx.reporter.text).toMatch(/rollback --unfreeze/);

    // rollback --unfreeze afterwards gives Aurora back to the app.
    expect(await rollbackUnfreeze(ctx)).toBe(true);
    expect(await shopOnAurora()).toBe(true);
  });

  it("GIVEN a switch-back hook that fails WHEN rollback runs THEN Aurora's freeze is lifted as before, the old server is frozen again, and the window stays open", async () => {
    const w = await world();
    const auroraAcl = await acl(aurora);
    const oldFrozenAcl = await acl(old);
    const ctx = contextOn(w, w.state, { hook: "echo 'pointing the app back…'; exit 7" });
    const err = await runRollback(ctx, rollbackDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/exited with code 7/);
    expect((err as OperationError).hint).toMatch(/Aurora's freeze was lifted and the old server frozen again/);
    expect(await shopOnAurora()).toBe(true);
    expect(await acl(aurora)).toBe(auroraAcl);
    expect(await shopOnOld()).toBe(false);
    expect(await acl(old)).toBe(oldFrozenAcl);
    const rb = rollbackWindowOutput(ctx).rollback!;
    expect(rb.outcome).toBe("aborted");
    expect(rb.switchBack?.abandonedAt).toBeDefined();
    expect(rb.sourceRefrozenAt).toBeDefined();
    expect(cutoverOutput(ctx).freeze?.status).toBe("applied");
    expect(rollbackWindowOpen(ctx)).toBe(true);
    expect(w.fake.tasks.get(w.reverseArn)?.Status).toBe("running");
    expect(ctx.reporter.text).toMatch(/pointing the app back…/);
  });

  it("GIVEN Ctrl-C while the marker is awaited (the reverse stream stalled) WHEN the rollback stops THEN Aurora's freeze is lifted and the old server, never unfrozen, stays frozen", async () => {
    const w = await world();
    await old.sql(`ALTER SUBSCRIPTION rev_${db} DISABLE`, db);
    const stop = new AbortController();
    const ctx = contextOn(w, w.state, { signal: stop.signal });
    const running = runRollback(ctx, rollbackDepsFor(ctx)).catch((e: unknown) => e);
    for (let i = 0; i < 400 && !rollbackWindowOutput(ctx).rollback?.marker; i += 1) await new Promise((r) => setTimeout(r, 25));
    stop.abort();
    const err = await running;
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as InterruptedError).hint).toMatch(/Aurora's freeze was lifted: the app keeps writing on Aurora/);
    expect(await shopOnAurora()).toBe(true);
    expect(await shopOnOld()).toBe(false);
    expect(rollbackWindowOutput(ctx).rollback?.sourceUnfreezeStartedAt).toBeUndefined();
    expect(rollbackWindowOutput(ctx).rollback?.outcome).toBe("aborted");
    await old.sql(`ALTER SUBSCRIPTION rev_${db} ENABLE`, db);
  });

  it("GIVEN Ctrl-C while the switch-back hook runs WHEN the rollback stops THEN nothing is undone, and the next rollback refuses to guess until --unfreeze says the app is on Aurora", async () => {
    const w = await world();
    const stop = new AbortController();
    const ctx = contextOn(w, w.state, { signal: stop.signal, hook: `touch ${dir}/hook.ran; sleep 30` });
    const running = runRollback(ctx, rollbackDepsFor(ctx)).catch((e: unknown) => e);
    for (let i = 0; i < 400 && !existsSync(join(dir, "hook.ran")); i += 1) await new Promise((r) => setTimeout(r, 25));
    stop.abort();
    const err = await running;
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as InterruptedError).message).toMatch(/nothing was undone/);
    expect((err as InterruptedError).hint).toMatch(/--switched[\s\S]*--unfreeze/);
    expect(await shopOnAurora()).toBe(false);
    expect(await shopOnOld()).toBe(true);

    const next = contextOn(w, ctx.state);
    const refused = await runRollback(next, rollbackDepsFor(next)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BlockedError);
    expect(await shopOnOld()).toBe(true);
    expect(await rollbackUnfreeze(next)).toBe(true);
    expect(await shopOnAurora()).toBe(true);
    expect(await shopOnOld()).toBe(false);
    expect(rollbackWindowOutput(next).rollback?.switchBack?.abandonedAt).toBeDefined();
    expect(rollbackWindowOpen(next)).toBe(true);
    expect(w.fake.tasks.get(w.reverseArn)?.Status).toBe("running");
  });

  it("GIVEN a kill after each record of the rollback WHEN rollback runs again THEN it ends switched back with every write on the old server (a kill during the switch-back is settled by --switched or --unfreeze)", async () => {
    const w = await world();
    await aurora.sql("INSERT INTO orders (note) SELECT 'on aurora ' || g FROM generate_series(1, 10) g", db);
    const base = w.state;
    const settled = { switched: 0, unfreeze: 0, resumed: 0 };
    let pendingAt = 0;
    // Back to the window for the next round: Aurora open, the old server frozen again, the reverse task running.
    const backToTheWindow = async (after: TestContext): Promise<void> => {
      await rollbackUnfreeze(after);
      const restore = contextOn(w, base);
      const cut = cutoverOutput(restore).freeze!;
      const c = new pg.Client({ connectionString: old.url(db) });
      await c.connect();
      await applyFreeze(freezeIo(restore, c, 30), Object.assign(cut, { status: "applying" as const, changes: cut.changes.map((e) => ({ ...e, status: "planned" as const })) }));
      await c.end();
      Object.assign(w.fake.tasks.get(w.reverseArn)!, { Status: "running", phase: 10 });
    };
    let crashAt = 1;
    for (;; crashAt += 1) {
      // Each round starts from the window as the cutover left it.
      rmSync(join(dir, "hook.ran"), { force: true });
      const ctx = contextOn(w, base, { crashAtSave: crashAt });
      const first = await runRollback(ctx, rollbackDepsFor(ctx)).catch((e: unknown) => e);
      if (!ctx.dead()) {
        expect((first as { outcome?: string }).outcome).toBe("switched-back");
        break;
      }
      const durable = ctx.saves[ctx.saves.length - 1]!;
      const again = contextOn(w, durable);
      const second = await runRollback(again, rollbackDepsFor(again)).catch((e: unknown) => e);
      let outcome = (second as { outcome?: string }).outcome;
      if (second instanceof BlockedError) {
        // Killed with the switch-back recorded as started: the tool asks, never guesses.
        expect(second.hint).toMatch(/--switched/);
        {
          pendingAt = crashAt;
          settled.unfreeze += 1;
          expect(await rollbackUnfreeze(again)).toBe(true);
          expect(await shopOnAurora()).toBe(true);
          expect(await shopOnOld()).toBe(false);
          outcome = (await runRollback(again, rollbackDepsFor(again)))?.outcome;
        }
      } else if (second instanceof Error) {
        throw second;
      } else settled.resumed += 1;
      expect(outcome, `resumed after a kill at save ${crashAt}`).toBe("switched-back");
      expect(await shopOnOld()).toBe(true);
      expect(await shopOnAurora()).toBe(false);
      expect((await old.sql<{ n: string }>("SELECT count(*) AS n FROM orders", db))[0]?.n).toBe("30");
      await backToTheWindow(again);
    }
    expect(crashAt).toBeGreaterThan(5);
    // The kill with the switch-back recorded, once more: this time the app did reach the old server (the user says so).
    expect(pendingAt).toBeGreaterThan(0);
    await backToTheWindow(contextOn(w, base));
    const killed = contextOn(w, base, { crashAtSave: pendingAt });
    await runRollback(killed, rollbackDepsFor(killed)).catch(() => undefined);
    const settle = contextOn(w, killed.saves[killed.saves.length - 1]!);
    expect((await runRollback(settle, rollbackDepsFor(settle), { switched: true }))?.outcome).toBe("switched-back");
    settled.switched += 1;
    expect(rollbackWindowOutput(settle).rollback?.switchBack?.confirmedByUser).toBe(true);
    expect(w.fake.tasks.get(w.reverseArn)?.Status).toBe("stopped");
    expect(await shopOnOld()).toBe(true);
    expect(await shopOnAurora()).toBe(false);
    expect(settled.switched).toBeGreaterThan(0);
    expect(settled.unfreeze).toBeGreaterThan(0);
    expect(settled.resumed).toBeGreaterThan(3);
    console.info(`[rollback kills] ${crashAt - 1} kill points: ${JSON.stringify(settled)}`);
  }, 240_000);

  it("GIVEN no open window, a stopped reverse task, or a high reverse latency WHEN rollback runs THEN it exits 3 with the fix and Aurora is untouched", async () => {
    const before = await acl(aurora);
    const cases: [Parameters<typeof world>[0], RegExp][] = [
      [{ open: false }, /No rollback window is open/],
      [{ reverseStatus: "stopped" }, /The reverse DMS task is "stopped", not running.*start it again/],
      [{ latency: Array.from({ length: 5 }, () => ({ source: 40, target: 42 })) }, /reverse task's CDC latency is 42 s, over the threshold of 10 s.*rollback\.maxLatencySeconds/],
    ];
    for (const [o, expected] of cases) {
      const w = await world(o);
      const ctx = contextOn(w, w.state);
      const err = await runRollback(ctx, rollbackDepsFor(ctx)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlockedError);
      expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
      expect([(err as BlockedError).message, ...(err as BlockedError).details].join("\n")).toMatch(expected);
      expect(rollbackWindowOutput(ctx).rollback).toBeUndefined();
      // The check's reading is recorded for `status`, even when refused (issue 14 item 5).
      if (o?.latency) expect(rollbackWindowOutput(ctx).readings?.reverseTask).toMatchObject({ by: "rollback", status: "running", latencySeconds: 42 });
      expect(await acl(aurora)).toBe(before);
      expect(await shopOnAurora()).toBe(true);
    }
    // A window declined at step 2 is named as such, not as a task never seen running.
    const declined = await world({ open: false });
    declined.state.answers["rollback.window"] = false;
    const declinedCtx = contextOn(declined, declined.state);
    const refused = await runRollback(declinedCtx, rollbackDepsFor(declinedCtx)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BlockedError);
    expect((refused as BlockedError).message).toMatch(/^No rollback window: it was declined at step 2 \(rollback\.window: no\)/);
    expect(await acl(aurora)).toBe(before);
    const w = await world();
    const ctx = contextOn(w, w.state);
    await expect(runRollback(ctx, rollbackDepsFor(ctx), { switched: true })).rejects.toBeInstanceOf(UsageError);
  });

  it("GIVEN --dry-run WHEN rollback runs THEN the plan is shown and nothing changes on either server or in the state", async () => {
    const w = await world();
    const [auroraBefore, oldBefore] = [await acl(aurora), await acl(old)];
    const ctx = contextOn(w, w.state, { dryRun: true });
    expect(await runRollback(ctx, rollbackDepsFor(ctx))).toBeUndefined();
    expect(ctx.reporter.text).toMatch(/REVOKE CONNECT ON DATABASE/);
    expect(ctx.reporter.text).toMatch(/Dry run: nothing was changed/);
    expect(await acl(aurora)).toBe(auroraBefore);
    expect(await acl(old)).toBe(oldBefore);
    expect(rollbackWindowOutput(ctx).rollback).toBeUndefined();
    expect((await aurora.sql<{ n: string }>("SELECT count(*) AS n FROM aurora_migrate.cutover_marker", db))[0]?.n).toBe("0");
    expect(existsSync(join(dir, "hook.ran"))).toBe(false);
    expect(w.fake.tasks.get(w.reverseArn)?.Status).toBe("running");
  });
});
