import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { RES } from "../../src/migration/aws/resources.js";
import { readFreezeFacts } from "../../src/migration/cutover/freeze-facts.js";
import { planFreeze } from "../../src/migration/cutover/freeze-plan.js";
import { applyFreeze } from "../../src/migration/cutover/freeze.js";
import { cutoverOutput } from "../../src/migration/cutover/output.js";
import type { FreezeRecord } from "../../src/migration/cutover/record.js";
import { freezeIo } from "../../src/migration/cutover/window.js";
import { rollbackWindowOutput } from "../../src/migration/rollback/output.js";
import type { FakeAws } from "./aws/fake-aws.js";
import { seedMigration } from "./aws/seed.js";
import { type PgServer, startPgServer } from "./pg-server.js";
import { replicate } from "./replication.js";
import { type TestContext, testContext } from "./step-context.js";

/** What a rollback test works on; set again before each test. */
export interface RollbackServers {
  /** The old server (the rollback's target), a server of its own: the freezes change server-wide roles. */
  old: PgServer;
  /** "Aurora", where the app writes in the window, a server of its own. */
  aurora: PgServer;
  /** The database's name on both. */
  db: string;
  /** A temp folder for the hooks' files. */
  dir: string;
}

/**
 * Registers the hooks of a rollback test file: two servers with the app's role `shop`; before
 * each test a database `<prefix><n>` on both with `ddl`, a logical-replication subscription
 * Aurora → old server of `tables` standing in for the reverse DMS task, `grants` to shop on both,
 * then `seed` (as the forward migration left things). `use` gets the servers before each test.
 */
export function useRollbackServers(
  name: string,
  prefix: string,
  o: { ddl: string; tables: string[]; grants: string; seed: (s: RollbackServers) => Promise<void> },
  use: (s: RollbackServers) => void,
): void {
  let servers: { old: PgServer; aurora: PgServer } | undefined;
  let stream: { stop(): Promise<void> } | undefined;
  let dir: string | undefined;
  let n = 0;
  beforeAll(async () => {
    const [old, aurora] = await Promise.all([startPgServer({ name: `${name}-old` }), startPgServer({ name: `${name}-aurora` })]);
    servers = { old, aurora };
    await Promise.all([old.sql("CREATE ROLE shop LOGIN"), aurora.sql("CREATE ROLE shop LOGIN")]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([servers?.old.stop(), servers?.aurora.stop()]);
  });
  beforeEach(async () => {
    n += 1;
    const db = `${prefix}${n}`;
    const { old, aurora } = servers!;
    await Promise.all([old.createDatabase(db), aurora.createDatabase(db)]);
    dir = mkdtempSync(join(tmpdir(), `${name}-`));
    stream = await replicate({ sourceUrl: aurora.url(db), sourcePort: aurora.port, sourceDb: db, targetUrl: old.url(db), ddl: o.ddl, tables: o.tables, name: `rev_${db}` });
    for (const s of [old, aurora]) await s.sql(`GRANT ALL ON ${o.grants} TO shop`, db);
    const world = { old, aurora, db, dir };
    await o.seed(world);
    use(world);
  }, 60_000);
  afterEach(async () => {
    await stream?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * A state as a switched cutover with its rollback window open leaves it: the forward migration
 * seeded in the fake, a reverse task recorded (`reverseStatus`, default running), the old server
 * frozen for shop by the cutover's roles freeze, the switch recorded, the window prepared and
 * (unless `open: false`) open.
 */
export async function switchedWithWindow(
  fake: FakeAws,
  s: RollbackServers,
  o: { reverseStatus?: string; open?: boolean; context?: Omit<Parameters<typeof testContext>[0], "sourceUrl" | "targetUrl" | "aws"> } = {},
): Promise<{ ctx: TestContext; reverseArn: string }> {
  const seeded = await seedMigration(fake);
  const rev = (
    await fake.dms.createReplicationTask({
      ReplicationTaskIdentifier: "am-reverse-task",
      SourceEndpointArn: "arn:aws:dms:eu-west-1:123456789012:endpoint:REVSRC",
      TargetEndpointArn: "arn:aws:dms:eu-west-1:123456789012:endpoint:REVTGT",
      ReplicationInstanceArn: seeded.resources[RES.instance]!.arn!,
      MigrationType: "cdc",
      TableMappings: "{}",
    })
  ).ReplicationTask!;
  Object.assign(fake.tasks.get(rev.ReplicationTaskArn!)!, { Status: o.reverseStatus ?? "running", phase: o.reverseStatus ? 0 : 10 });
  const ctx = testContext({ sourceUrl: s.old.url(s.db), targetUrl: s.aurora.url(s.db), aws: fake, ...o.context });
  ctx.state.outputs["dms-task"] = seeded.task;
  ctx.state.resources = { ...seeded.resources, [RES.reverseTask]: { kind: "dms-task", id: "am-reverse-task", arn: rev.ReplicationTaskArn!, createdByUs: true, recordedAt: new Date().toISOString() } };
  const client = new pg.Client({ connectionString: s.old.url(s.db) });
  await client.connect();
  try {
    const plan = planFreeze(await readFreezeFacts(client), ["shop"]);
    const record: FreezeRecord = { method: "roles", database: s.db, roles: ["shop"], changes: plan.changes.map((change) => ({ change, status: "planned" as const })), status: "applying", terminated: [] };
    const out = cutoverOutput(ctx);
    out.freeze = record;
    await applyFreeze(freezeIo(ctx, client, 30), record);
    const at = new Date().toISOString();
    out.switch = { hook: "true", startedAt: at, finishedAt: at };
    out.report = { frozeAt: at, switchedAt: at, outcome: "switched" };
  } finally {
    await client.end();
  }
  const win = rollbackWindowOutput(ctx);
  win.preparedAt = new Date().toISOString();
  if (o.open !== false) win.openedAt = new Date().toISOString();
  return { ctx, reverseArn: rev.ReplicationTaskArn! };
}
