/**
 * The rollback window and primary-key changes: DMS ignores an UPDATE that changes a primary key
 * (the reverse task too), so the key-change capture goes on Aurora with the reverse path and
 * `rollback` re-copies the changed keys' rows onto the old server after its drain. The reverse
 * "DMS" here is a logical-replication subscription Aurora → old server with the stand-in's
 * primary-key guard on the old server (it skips key-changing UPDATEs, as DMS).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { RES } from "../../src/migration/aws/resources.js";
import { findCaptureObjects, nothingInstalled, removeCapture } from "../../src/migration/key-changes/remove.js";
import { reversePathLeft } from "../../src/migration/rollback/finish.js";
import { rollbackWindowOutput } from "../../src/migration/rollback/output.js";
import { installAuroraKeyCapture, removeAuroraKeyCapture } from "../../src/migration/rollback/reverse-key-changes.js";
import { rollbackDepsFor } from "../../src/migration/rollback/rollback-deps.js";
import { runRollback } from "../../src/migration/rollback/rollback-run.js";
import { installPkGuard } from "../../src/standin/pk-guard.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { type PgServer } from "../support/pg-server.js";
import { switchedWithWindow, useRollbackServers } from "../support/rollback-world.js";
import { type TestContext } from "../support/step-context.js";
import { shortSleepClock } from "../support/rollback-window.js";

let old: PgServer;
let aurora: PgServer;
let db: string;
let dir: string;
useRollbackServers(
  "rbkey",
  "rbkey",
  {
    ddl: "CREATE TABLE carts (token text PRIMARY KEY, note text NOT NULL)",
    tables: ["carts"],
    grants: "carts",
    seed: async (w) => {
      // The reverse "DMS" ignores key-changing UPDATEs, as DMS does.
      await withClient(w.old.url(w.db), (c) => installPkGuard(c, [{ schema: "public", table: "carts", primaryKey: ["token"] }]));
      await w.aurora.sql("INSERT INTO carts SELECT 'cart-' || g, 'migrated' FROM generate_series(1, 10) g", w.db);
      await waitFor(async () => (await w.old.sql<{ n: string }>("SELECT count(*) AS n FROM carts", w.db))[0]?.n === "10");
    },
  },
  (w) => ({ old, aurora, db, dir } = w),
);

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

async function waitFor(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await done()); i += 1) await new Promise((r) => setTimeout(r, 25));
}

/** A switched cutover with its window open (the old server frozen for shop), the capture put on Aurora as the cutover's preparation does. */
async function windowWithCapture(o: { capture?: boolean } = {}): Promise<TestContext> {
  const fake = new FakeAws({ latency: Array.from({ length: 500 }, () => ({ source: 1, target: 2 })) });
  const { ctx } = await switchedWithWindow(fake, { old, aurora, db, dir }, {
    context: { clock: shortSleepClock, config: { "source.schemas": ["public"], "rollback.switchBackHook": `touch ${dir}/hook.ran`, "cutover.drainTimeoutSeconds": 30 } },
  });
  if (o.capture !== false) await withClient(aurora.url(db), (c) => installAuroraKeyCapture(ctx, c));
  return ctx;
}

/** The app on Aurora after the switch: rotates a cart's token, then changes the row under its new key; and a plain insert. */
async function appRotatesTokens(): Promise<void> {
  await withClient(aurora.url(db, "shop"), async (app) => {
    await app.query("UPDATE carts SET token = 'cart-3-rotated' WHERE token = 'cart-3'");
    await app.query("UPDATE carts SET note = 'paid' WHERE token = 'cart-3-rotated'");
    await app.query("INSERT INTO carts VALUES ('cart-11', 'new on aurora')");
  });
  await waitFor(async () => (await old.sql<{ n: string }>("SELECT count(*) AS n FROM carts", db))[0]?.n === "11");
}

const oldCarts = async (): Promise<Record<string, string>> =>
  Object.fromEntries((await old.sql<{ token: string; note: string }>("SELECT token, note FROM carts ORDER BY token", db)).map((r) => [r.token, r.note]));
const auroraCarts = async (): Promise<Record<string, string>> =>
  Object.fromEntries((await aurora.sql<{ token: string; note: string }>("SELECT token, note FROM carts ORDER BY token", db)).map((r) => [r.token, r.note]));

describe("rollback and primary-key changes on Aurora", () => {
  it("GIVEN the app changes a key on Aurora during the window WHEN rollback runs THEN the old server has the row under the new key (with its later change) and not under the old one, recorded in the rollback", async () => {
    const ctx = await windowWithCapture();
    expect(rollbackWindowOutput(ctx).keyCapture).toMatchObject({ status: "installed", tables: 1 });
    await appRotatesTokens();
    // What the reverse "DMS" alone left: the old key, the later change lost.
    expect((await oldCarts())["cart-3"]).toBe("migrated");
    expect((await oldCarts())["cart-3-rotated"]).toBeUndefined();

    const rb = await runRollback(ctx, rollbackDepsFor(ctx));
    expect(rb?.outcome).toBe("switched-back");
    const carts = await oldCarts();
    expect(carts["cart-3-rotated"]).toBe("paid");
    expect(carts["cart-3"]).toBeUndefined();
    expect(carts).toEqual(await auroraCarts());
    expect(rb?.keyChanges).toEqual({ recorded: 1, keys: 2, copied: 1, deleted: 1 });
    // The precondition check counted them for `status` (which never connects).
    expect(rollbackWindowOutput(ctx).readings?.auroraKeyChanges).toMatchObject({ by: "rollback", count: 1 });
    expect(rb?.window?.keyChangesMs).toBeGreaterThanOrEqual(0);
    expect(ctx.reporter.text).toContain("Primary-key changes repaired:   2 key(s) re-synced (1 change(s) recorded on Aurora)");
    expect(ctx.reporter.text).toMatch(/key-change repair \d+ ms/);
  });

  it("GIVEN no capture on Aurora (what the window did before) WHEN rollback runs THEN the key change is lost on the old server, with a warning", async () => {
    const ctx = await windowWithCapture({ capture: false });
    await appRotatesTokens();
    const rb = await runRollback(ctx, rollbackDepsFor(ctx));
    expect(rb?.outcome).toBe("switched-back");
    const carts = await oldCarts();
    expect(carts["cart-3"]).toBe("migrated");
    expect(carts["cart-3-rotated"]).toBeUndefined();
    expect(rb?.keyChanges).toBeUndefined();
    expect(rollbackWindowOutput(ctx).readings?.auroraKeyChanges).toBeUndefined();
    expect(ctx.reporter.text).toMatch(/Primary-key changes on Aurora were not recorded during the rollback window/);
  });

  it("GIVEN the capture on Aurora WHEN a replica-role session (DMS's forward apply, the cutover's repair) changes a key THEN nothing is logged; the trigger is an ordinary one (fires in origin sessions only)", async () => {
    await windowWithCapture();
    const enabled = await aurora.sql<{ tgenabled: string }>("SELECT tgenabled FROM pg_trigger WHERE tgname = 'aurora_migrate_key_change'", db);
    expect(enabled).toEqual([{ tgenabled: "O" }]);
    await withClient(aurora.url(db), async (dms) => {
      await dms.query("SET session_replication_role = replica");
      await dms.query("UPDATE carts SET token = 'cart-5-by-dms' WHERE token = 'cart-5'");
    });
    expect(await aurora.sql("SELECT * FROM aurora_migrate.key_changes", db)).toEqual([]);
    await withClient(aurora.url(db, "shop"), (app) => app.query("UPDATE carts SET token = 'cart-6-by-app' WHERE token = 'cart-6'"));
    expect((await aurora.sql<{ n: string }>("SELECT count(*) AS n FROM aurora_migrate.key_changes", db))[0]?.n).toBe("1");
  });

  it("GIVEN the capture on Aurora WHEN finish removes it (twice) THEN trigger, table and function are gone, recorded removed; finish sees it as left until then", async () => {
    const ctx = await windowWithCapture();
    delete ctx.state.resources[RES.reverseTask];
    expect(reversePathLeft(ctx)).toBe(true);
    const report = { done: [] as string[], alreadyGone: [] as string[] };
    await removeAuroraKeyCapture(ctx, report);
    expect(nothingInstalled(await withClient(aurora.url(db), findCaptureObjects))).toBe(true);
    expect(rollbackWindowOutput(ctx).keyCapture).toMatchObject({ status: "removed" });
    expect(report.done).toHaveLength(1);
    expect(reversePathLeft(ctx)).toBe(false);
    await removeAuroraKeyCapture(ctx, report);
    expect(report.alreadyGone).toHaveLength(1);
    // A capture left half-removed (a crash after a trigger): a rerun finishes it.
    await withClient(aurora.url(db), (c) => installAuroraKeyCapture(ctx, c));
    const found = await withClient(aurora.url(db), findCaptureObjects);
    await withClient(aurora.url(db), (c) => removeCapture(c, { ...found, table: false, fn: false }).catch(() => undefined));
    await removeAuroraKeyCapture(ctx, report);
    expect(nothingInstalled(await withClient(aurora.url(db), findCaptureObjects))).toBe(true);
  });
});
