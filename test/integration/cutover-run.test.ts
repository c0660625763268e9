import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { cutoverOutput } from "../../src/migration/cutover/output.js";
import { runCutover } from "../../src/migration/cutover/run-cutover.js";
import { BlockedError, ExitCode, OperationError } from "../../src/core/errors.js";
import type { TestDatabase } from "../support/databases.js";
import type { PgServer } from "../support/pg-server.js";
import { FakeAws, type FakeAwsOptions } from "../support/aws/fake-aws.js";
import { seedMigration } from "../support/aws/seed.js";
import { useCutoverWorld } from "../support/cutover-world.js";
import { canConnect } from "../support/cutover-e2e.js";
import { type TestContext, testContext } from "../support/step-context.js";

// The source is a server of its own (the freeze changes server-wide roles), a logical-replication
// subscription carries changes to the target as DMS's CDC would (support/cutover-world.ts).
let source: PgServer;
let target: TestDatabase;
let db: string;
let dir: string;
useCutoverWorld("cutover-run", "shop", (w) => ({ source, target, db, dir } = w));

/**
 * A cutover context over the stateful fake AWS (a running task; CloudWatch serving `latency`)
 * with the real dependencies: the task's status and latency through the AWS ports, validate's
 * row counts and the real sequence sync between the two servers.
 */
async function context(switchHook: string, o: { latency?: FakeAwsOptions["latency"]; taskStatus?: string; config?: Record<string, string | number | boolean | string[]> } = {}): Promise<TestContext> {
  const fake = new FakeAws({ latency: o.latency ?? [{ source: 1, target: 2 }] });
  const seeded = await seedMigration(fake);
  if (o.taskStatus) Object.assign(fake.tasks.get(seeded.task.taskArn)!, { Status: o.taskStatus, phase: 0 });
  const ctx = testContext({
    sourceUrl: source.url(db),
    targetUrl: target.url,
    aws: fake,
    config: { "cutover.freezeRoles": ["shop"], "cutover.switchHook": switchHook, "cutover.drainTimeoutSeconds": 30, ...o.config },
  });
  ctx.state.outputs["dms-task"] = seeded.task;
  return ctx;
}

async function waitForTargetRows(n: number): Promise<void> {
  for (let i = 0; i < 400 && (await target.sql<{ n: string }>("SELECT count(*) AS n FROM orders"))[0]?.n !== String(n); i += 1) await new Promise((r) => setTimeout(r, 25));
}

function shopCanConnect(): Promise<boolean> {
  return canConnect({ connectionString: source.url(db, "shop") });
}

/** The database's privileges, entry by entry (a NULL ACL read as the default it stands for). */
async function databaseAcl(): Promise<string> {
  const rows = await source.sql<{ acl: string }>(
    `SELECT string_agg(a.grantee::regrole::text || ':' || a.privilege_type || ':' || a.is_grantable, ',' ORDER BY 1) AS acl
       FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a WHERE d.datname = '${db}'`,
  );
  return rows[0]!.acl;
}

describe("cutover", () => {
  it("GIVEN a replicating target WHEN the cutover runs THEN the marker written after the freeze arrives on the target and the switch hook gets the target's connection", async () => {
    const ctx = await context(`printf '%s\\n' "$DATABASE_URL" "$PGHOST:$PGPORT/$PGDATABASE as $PGUSER" > ${dir}/hook.out`);
    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    const marker = cutoverOutput(ctx).marker!;
    const onTarget = await target.sql<{ token: string }>("SELECT token FROM aurora_migrate.cutover_marker WHERE id = $1", [marker.id]);
    expect(onTarget[0]?.token).toBe(marker.token);
    expect(Date.parse(report!.drainedAt!)).toBeGreaterThanOrEqual(Date.parse(report!.frozeAt));
    expect(readFileSync(join(dir, "hook.out"), "utf8").split("\n")).toEqual([target.url, `127.0.0.1:${target.port}/${target.name} as postgres`, ""]);
    expect(await shopCanConnect()).toBe(false);
  });

  it("GIVEN a switch hook that fails WHEN the cutover runs THEN the freeze is lifted, the source's privileges are as before, and the report says so", async () => {
    const before = await databaseAcl();
    const ctx = await context("echo 'restarting the app…'; exit 7");
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/exited with code 7/);
    expect((err as OperationError).hint).toMatch(/freeze was lifted/);
    expect(await shopCanConnect()).toBe(true);
    expect(await databaseAcl()).toBe(before);
    expect(cutoverOutput(ctx).report?.outcome).toBe("rolled-back");
    expect(ctx.reporter.text).toMatch(/restarting the app…/);
  });

  it("GIVEN CloudWatch's CDC latency over the threshold WHEN the cutover runs THEN it exits 3 naming the latency, and the source is untouched", async () => {
    const before = await databaseAcl();
    const ctx = await context("true", { latency: [{ source: 40, target: 42 }] });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).details.join("\n")).toMatch(/CDC latency is 42 s, over the threshold of 10 s/);
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
    expect(await databaseAcl()).toBe(before);
    expect(await shopCanConnect()).toBe(true);
  });

  it("GIVEN the app's role without privileges on the target WHEN the cutover runs THEN it exits 3 naming the role and the GRANTs to run, and the source is untouched", async () => {
    await target.sql("REVOKE ALL ON orders, orders_id_seq FROM shop");
    const before = await databaseAcl();
    const ctx = await context("true");
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).message).toMatch(/role\(s\) shop cannot use the target/);
    expect((err as BlockedError).details).toContain('  GRANT DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE "public"."orders" TO "shop";');
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
    expect(await databaseAcl()).toBe(before);
    expect(await shopCanConnect()).toBe(true);
  });

  it("GIVEN a task DMS reports stopped WHEN the cutover runs THEN it exits 3 saying the task is not running, and the source is untouched", async () => {
    const before = await databaseAcl();
    const ctx = await context("true", { taskStatus: "stopped" });
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).details.join("\n")).toMatch(/The DMS task is "stopped", not running/);
    expect(await databaseAcl()).toBe(before);
  });

  it("GIVEN a target table further behind than CDC lag can explain WHEN the cutover runs THEN it exits 3 with the figures before any freeze", async () => {
    await source.sql("INSERT INTO orders (note) SELECT 'loaded ' || g FROM generate_series(1, 10) g", db);
    await waitForTargetRows(10);
    await target.sql("ALTER SUBSCRIPTION sub_" + target.name + " DISABLE");
    await source.sql("INSERT INTO orders (note) SELECT 'not replicated ' || g FROM generate_series(1, 1500) g", db);
    const before = await databaseAcl();
    const ctx = await context("true");
    const err = await runCutover(ctx, cutoverDepsFor(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).exitCode).toBe(ExitCode.blocked);
    expect((err as BlockedError).details.join("\n")).toMatch(/public\.orders: source 1510, target 10 \(1500 apart, more than the 1000 CDC lag can explain\)/);
    expect(cutoverOutput(ctx).freeze).toBeUndefined();
    expect(await databaseAcl()).toBe(before);
    await target.sql("ALTER SUBSCRIPTION sub_" + target.name + " ENABLE");
  });

  it("GIVEN the source's sequence advanced after the full load WHEN the cutover switches THEN the final sync moves the target's sequence ahead and the first insert on the target succeeds", async () => {
    await source.sql("INSERT INTO orders (note) SELECT 'before ' || g FROM generate_series(1, 25) g", db);
    // Ids handed out and then deleted still count: the target must not reuse them.
    await source.sql("SELECT nextval('orders_id_seq') FROM generate_series(1, 5)", db);
    for (let i = 0; i < 200 && (await target.sql<{ n: string }>("SELECT count(*) AS n FROM orders"))[0]?.n !== "25"; i += 1) await new Promise((r) => setTimeout(r, 25));
    const ctx = await context("true");
    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.sequences).toMatch(/1 moved forward/);
    const inserted = await target.sql<{ id: string }>("INSERT INTO orders (note) VALUES ('first on the target') RETURNING id");
    expect(inserted[0]?.id).toBe("31");
  });

  it("GIVEN an app inserting on the source through the whole cutover WHEN it switches THEN no acknowledged write is lost, the first insert on the target succeeds, and the window is measured", async () => {
    // As after the full load: the table already has its rows on both sides when the app starts writing.
    await source.sql("INSERT INTO orders (note) SELECT 'loaded ' || g FROM generate_series(1, 100) g", db);
    await waitForTargetRows(100);
    const urlFile = join(dir, "app-url");
    const acked: { note: string; on: "source" | "target"; at: number }[] = [];
    const targetAttempts: boolean[] = [];
    let stop = false;
    // The app: one connection, reconnecting after errors, reading its database URL from a file the switch hook rewrites.
    const app = (async () => {
      let client: pg.Client | undefined;
      let url = "";
      for (let i = 0; !stop || !acked.some((a) => a.on === "target"); i += 1) {
        const want = existsSync(urlFile) ? readFileSync(urlFile, "utf8").trim() : source.url(db, "shop");
        const on = want === source.url(db, "shop") ? "source" : "target";
        try {
          if (!client || want !== url) {
            await client?.end().catch(() => undefined);
            client = new pg.Client({ connectionString: want });
            client.on("error", () => undefined);
            url = want;
            await client.connect();
          }
          await client.query("INSERT INTO orders (note) VALUES ($1)", [`w${i}`]);
          if (on === "target") targetAttempts.push(true);
          acked.push({ note: `w${i}`, on, at: Date.now() });
        } catch {
          if (on === "target") targetAttempts.push(false);
          await client?.end().catch(() => undefined);
          client = undefined;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      await client?.end();
    })();
    while (acked.length < 50) await new Promise((r) => setTimeout(r, 10));

    // The app keeps writing: the tolerant count before the freeze must pass, the exact one after the switch must find them equal.
    const ctx = await context(`printf '%s' "$DATABASE_URL" > ${urlFile}`);
    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    stop = true;
    await app;

    expect(report?.outcome).toBe("switched");
    // Compared after the switch, against the target as of the drain: the app's inserts there since do not count.
    expect(report?.verification).toMatchObject({ mode: "counts", result: "equal", tables: 1, differences: [] });
    const onTarget = new Set((await target.sql<{ note: string }>("SELECT note FROM orders")).map((r) => r.note));
    const lost = acked.filter((a) => !onTarget.has(a.note));
    expect(lost).toEqual([]);
    expect(targetAttempts[0]).toBe(true);
    const lastSource = Math.max(...acked.filter((a) => a.on === "source").map((a) => a.at));
    const firstTarget = Math.min(...acked.filter((a) => a.on === "target").map((a) => a.at));
    expect(report!.windowSeconds).toBeGreaterThan(0);
    console.info(
      `[cutover window] reported ${report!.windowSeconds} s (${JSON.stringify(report!.window)}); the app saw ${((firstTarget - lastSource) / 1000).toFixed(3)} s between its last insert on the source and its first on the target; ${acked.filter((a) => a.on === "source").length} inserts acknowledged on the source, all on the target`,
    );
  });
});
