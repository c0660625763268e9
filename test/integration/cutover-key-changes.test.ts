import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cutoverDepsFor } from "../../src/migration/cutover/live-deps.js";
import { runCutover } from "../../src/migration/cutover/run-cutover.js";
import { ensureKeyChangeCapture } from "../../src/migration/key-changes/capture-step.js";
import { openDatabase } from "../../src/migration/connections.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { seedMigration } from "../support/aws/seed.js";
import { freshDatabase, sharedServerInfo, type TestDatabase } from "../support/databases.js";
import { replicate } from "../support/replication.js";
import { type TestContext, testContext } from "../support/step-context.js";

let source: TestDatabase;
let target: TestDatabase;
let stream: { stop(): Promise<void> };

/**
 * On the target, DMS's way with these changes (docs/dms-notes.md §4), for the logical-
 * replication subscription that stands in for it: an UPDATE that changes the key is ignored,
 * and an INSERT meeting a row already under its key is refused (DMS logs it and goes on).
 * ENABLE ALWAYS: the apply worker runs with session_replication_role = replica.
 */
const AS_DMS_APPLIES = `
  CREATE FUNCTION as_dms() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
  BEGIN
    IF TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM orders WHERE id = NEW.id) THEN RETURN NULL; END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER as_dms BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION as_dms();
  ALTER TABLE orders ENABLE ALWAYS TRIGGER as_dms;`;

beforeEach(async () => {
  source = await freshDatabase("source", "cutkc");
  target = await freshDatabase("target", "cutkc");
  stream = await replicate({
    sourceUrl: source.url,
    sourcePort: sharedServerInfo("source").port,
    sourceDb: source.name,
    targetUrl: target.url,
    ddl: "CREATE TABLE orders (id bigint PRIMARY KEY, note text NOT NULL, code text UNIQUE)",
    tables: ["orders"],
    name: `sub_${target.name}`,
  });
  await target.sql(AS_DMS_APPLIES);
});
afterEach(async () => {
  await stream.stop();
  await source.drop();
  await target.drop();
});

async function context(): Promise<TestContext> {
  const fake = new FakeAws({ latency: [{ source: 1, target: 1 }] });
  const seeded = await seedMigration(fake);
  const ctx = testContext({
    sourceUrl: source.url,
    targetUrl: target.url,
    aws: fake,
    // A freeze of the app's own making: this test is about what happens after the drain.
    config: { "cutover.freezeMethod": "hook", "cutover.freezeHook": "true", "cutover.unfreezeHook": "true", "cutover.switchHook": "true", "cutover.drainTimeoutSeconds": 30 },
  });
  ctx.state.outputs["dms-task"] = seeded.task;
  return ctx;
}

const rows = (db: TestDatabase) => db.sql("SELECT id::int, note, code FROM orders ORDER BY id");

async function caughtUp(): Promise<void> {
  // A marker of the test's own: once it is on the target, every earlier change was applied (or ignored) there.
  await source.sql("INSERT INTO aurora_migrate.cutover_marker (id, token) VALUES (-1, 'test')");
  for (let i = 0; i < 400 && (await target.sql("SELECT 1 FROM aurora_migrate.cutover_marker WHERE id = -1")).length === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
}

describe("cutover: primary-key changes DMS ignored", () => {
  it("GIVEN PK updates during CDC (a chain, a swap, a reused key, a changed-then-deleted row) that the target ignored WHEN the cutover runs THEN the target's rows equal the source's and the report says how many keys were repaired", async () => {
    await source.sql("INSERT INTO orders SELECT g, 'loaded ' || g, 'c' || g FROM generate_series(1, 10) g");
    const ctx = await context();
    // Step 8 installs the capture before the task starts.
    const client = await openDatabase(ctx, "source");
    await ensureKeyChangeCapture(ctx, client).finally(() => client.end());
    await caughtUp();

    await source.sql(`
      UPDATE orders SET id = 100 WHERE id = 3; UPDATE orders SET note = 'changed under 100' WHERE id = 100;
      UPDATE orders SET id = -1 WHERE id = 1; UPDATE orders SET id = 1 WHERE id = 2; UPDATE orders SET id = 2 WHERE id = -1;
      INSERT INTO orders VALUES (3, 'new row under the old key 3', 'c3-new');
      UPDATE orders SET id = 200 WHERE id = 5; DELETE FROM orders WHERE id = 200;`);
    await source.sql("DELETE FROM aurora_migrate.cutover_marker WHERE id = -1");
    await caughtUp();
    // What DMS left: the target is not the source.
    expect(await rows(target)).not.toEqual(await rows(source));

    const report = await runCutover(ctx, cutoverDepsFor(ctx));
    expect(report?.outcome).toBe("switched");
    expect(await rows(target)).toEqual(await rows(source));
    // Keys 3, 100, 1, -1, 2, 5, 200 from five key-changing UPDATEs; rows 1, 2, 3, 100 copied; stale 1, 2, 3, 5 removed.
    expect(report?.keyChanges).toEqual({ recorded: 5, keys: 7, copied: 4, deleted: 4 });
    expect(ctx.reporter.text).toMatch(/Primary-key changes repaired:\s+7 key\(s\) re-synced \(5 change\(s\) recorded on the source\)/);
  });
});
