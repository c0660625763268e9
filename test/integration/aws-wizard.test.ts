import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWizard } from "../../src/commands/wizard.js";
import type { GlobalOptions, Step } from "../../src/migration/context.js";
import { readState } from "../../src/state/store.js";
import { WIZARD_STEPS } from "../../src/wizard/steps.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { FakeClock, UNATTENDED_ANSWERS, noOpStep } from "../support/aws/harness.js";
import { freshDatabase, sharedServerInfo, type TestDatabase } from "../support/databases.js";
import { freePort } from "../support/pg-server.js";
import { ScriptedTerminal } from "../support/scripted-terminal.js";

/**
 * Steps 1–11 for the interactive run, whose fake Aurora answers at an invented host: steps 7
 * (schema load) and 9 (restore and sequence reset) need a reachable target, so they are
 * no-ops there. The unattended run below runs all 13 real steps against real servers.
 */
function stepsOneToEleven(): Step[] {
  const replaced: Record<string, Step> = {
    "schema-load": noOpStep("schema-load", "Schema load"),
    "restore-and-sequences": noOpStep("restore-and-sequences", "Restore and sequences"),
  };
  return WIZARD_STEPS.slice(0, 11).map((s) => replaced[s.id] ?? s);
}

let db: TestDatabase;
const slots: string[] = [];
beforeAll(async () => {
  db = await freshDatabase("source", "wiz");
  await db.sql("CREATE TABLE public.accounts (id bigserial PRIMARY KEY, name text NOT NULL)");
});
afterAll(async () => {
  for (const s of slots) await db.sql("SELECT pg_drop_replication_slot($1)", [s]).catch(() => undefined);
  await db.drop();
});

function dmsLike(): FakeAws {
  return new FakeAws({
    onTaskStart: async () => {
      const name = `dms_wiz_${slots.length}_${Date.now() % 100000}`;
      slots.push(name);
      await db.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [name]);
    },
    latency: [null, { source: 30, target: 45 }, { source: 2, target: 3 }, { source: 1, target: 2 }, { source: 1, target: 1 }],
  });
}

function dir(): string {
  return mkdtempSync(join(tmpdir(), "am-wiz-"));
}

/** A FakeClock whose short sleeps (the cutover's drain polls) also pass in real time, so replication can arrive. */
class DrainClock extends FakeClock {
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 1000) await new Promise((r) => setTimeout(r, ms));
    return super.sleep(ms, signal);
  }
}

async function onServer(role: "source" | "target", database: string, sql: string): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ host: "127.0.0.1", port: sharedServerInfo(role).port, user: "postgres", database });
  await c.connect();
  try {
    return (await c.query<pg.QueryResultRow>(sql)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the whole wizard, steps 1–13, against the stateful AWS fake and real servers", () => {
  let src: TestDatabase;
  const sub = `dms_wiz_${Date.now() % 1_000_000}`;
  beforeAll(async () => {
    src = await freshDatabase("source", "full");
    await src.sql(`CREATE TABLE public.accounts (id bigserial PRIMARY KEY, name text NOT NULL);
      CREATE TABLE public.orders (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES public.accounts, note text);
      CREATE INDEX orders_account_idx ON public.orders (account_id);
      INSERT INTO public.accounts (name) SELECT 'a' || g FROM generate_series(1, 20) g;
      INSERT INTO public.orders (account_id, note) SELECT 1 + g % 20, 'o' || g FROM generate_series(1, 200) g;`);
    // The fake Aurora cluster answers at the shared target server, in a database named like the source's (as the wizard expects).
    await onServer("target", "postgres", `CREATE DATABASE "${src.name}"`);
  });
  afterAll(async () => {
    // The subscription stood in for DMS's CDC: detach it from its (already dropped) slot, then drop it.
    await onServer("target", src.name, `ALTER SUBSCRIPTION ${sub} DISABLE`).catch(() => undefined);
    await onServer("target", src.name, `ALTER SUBSCRIPTION ${sub} SET (slot_name = NONE)`).catch(() => undefined);
    await onServer("target", src.name, `DROP SUBSCRIPTION IF EXISTS ${sub}`).catch(() => undefined);
    await onServer("target", "postgres", `DROP DATABASE IF EXISTS "${src.name}" WITH (FORCE)`);
    await src.sql("SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", [sub]).catch(() => undefined);
    await src.drop();
  });

  /**
   * DMS stood in by a real logical subscription: its start is the full load (the initial copy,
   * awaited) and its slot is the one the full-load step records; the app writes during CDC; a
   * stop releases the slot.
   */
  function dmsAsSubscription(deadPort: number): FakeAws {
    return new FakeAws({
      // "Aurora" answers at an address nothing listens on from here: the tool goes through the tunnel (target.url).
      clusterEndpoint: { host: "127.0.0.1", port: deadPort },
      latency: [null, { source: 30, target: 45 }, { source: 2, target: 3 }, { source: 1, target: 2 }, { source: 1, target: 1 }],
      onTaskStart: async () => {
        await src.sql(`CREATE PUBLICATION ${sub} FOR TABLE public.accounts, public.orders, aurora_migrate.cutover_marker`);
        await onServer("target", src.name, `CREATE SUBSCRIPTION ${sub} CONNECTION 'host=127.0.0.1 port=${src.port} dbname=${src.name} user=postgres' PUBLICATION ${sub}`);
        await until("the initial copy", async () => (await onServer("target", src.name, "SELECT count(*)::int AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'"))[0]?.["n"] === 0);
        await until("the table-sync slots to go", async () => (await src.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE 'pg\\_%\\_sync\\_%'")).length === 0);
      },
      onTaskResume: async () => {
        // The app keeps writing on the source during CDC: ids the target's sequences have not seen.
        await src.sql("INSERT INTO public.orders (account_id, note) SELECT 1, 'during cdc ' || g FROM generate_series(1, 15) g");
        await until("CDC to carry them", async () => (await onServer("target", src.name, "SELECT count(*)::int AS n FROM public.orders"))[0]?.["n"] === 215);
      },
      onTaskStop: async () => {
        await onServer("target", src.name, `ALTER SUBSCRIPTION ${sub} DISABLE`);
        await until("the slot to be released", async () => (await src.sql<{ active: boolean }>("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [sub]))[0]?.active === false);
      },
    });
  }

  it("GIVEN a --config file with a target.url (a tunnel to an Aurora this machine cannot reach directly) and --yes WHEN the wizard runs THEN all 13 steps are done in order through the tunnel: the schema loaded and restored for real, the cutover switched with the final sequence sync, and cleanup removed what it created", async () => {
    const d = dir();
    const deadPort = await freePort();
    const tunnel = `postgres://postgres@127.0.0.1:${sharedServerInfo("target").port}/${src.name}?sslmode=require`;
    const configPath = join(d, "answers.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        source: { url: src.url },
        ...UNATTENDED_ANSWERS,
        target: { url: tunnel },
        // A pooler's PAUSE/RESUME stands in for the freeze here (the role freeze has tests of its own on a private server).
        "cutover.freezeMethod": "hook",
        "cutover.freezeHook": `echo paused > ${join(d, "pooler")}`,
        "cutover.unfreezeHook": `echo resumed > ${join(d, "pooler")}`,
        "cutover.switchHook": `printf '%s' "$DATABASE_URL" > ${join(d, "app-url")}`,
        "cutover.drainTimeoutSeconds": 60,
      }),
    );
    const options: GlobalOptions = { statePath: join(d, "m.state.json"), configPath, yes: true, json: false, dryRun: false, verbose: false, color: false };
    const fake = dmsAsSubscription(deadPort);
    const reporter = new MemoryReporter();
    await runWizard(options, "new", { reporter, signal: new AbortController().signal, clock: new DrainClock(), aws: () => Promise.resolve(fake) });

    const state = await readState(options.statePath);
    expect(WIZARD_STEPS.map((s) => state.steps[s.id]?.status)).toEqual(Array(13).fill("done"));
    expect(Object.keys(state.resources).sort()).toEqual(
      ["aurora-cluster", "aurora-cluster-parameter-group", "aurora-security-group", "aurora-writer", "dms-security-group", "aurora-ingress-from-dms", "dms-subnet-group", "replication-instance", "dms-source-endpoint", "dms-target-endpoint", "dms-task", "replication-slot", "dms-source-secret-role", "dms-target-secret", "dms-target-secret-role"].sort(),
    );
    expect(state.resources["replication-slot"]?.id).toBe(sub);
    expect(fake.callsTo("startReplicationTask").map((c) => c.input["StartReplicationTaskType"])).toEqual(["start-replication", "resume-processing"]);
    const order = fake.calls.map((c) => c.method).filter((m) => /^(create|delete|stop|revoke)/.test(m) || m === "startReplicationTask");
    expect(order).toEqual([
      "createSecurityGroup", "createDBClusterParameterGroup", "createDBCluster", "createDBInstance", "createReplicationSubnetGroup", "createSecurityGroup", "createReplicationInstance",
      "createRole", "createEndpoint", "createSecret", "createRole", "createEndpoint", "createReplicationTask", "startReplicationTask", "startReplicationTask",
      "stopReplicationTask", "deleteReplicationTask", "deleteEndpoint", "deleteEndpoint", "deleteRolePolicy", "deleteRole", "deleteRolePolicy", "deleteRole", "deleteSecret",
      "deleteReplicationInstance", "deleteReplicationSubnetGroup", "revokeSecurityGroupIngress",
    ]);
    expect(reporter.text).toContain("In sync: CDC latency: source 1 s, target 1 s");
    // The tool's own connections went through the tunnel, recorded as a location; DMS itself reaches Aurora at its own address.
    expect((state.outputs["aurora-cluster"] as { target?: unknown }).target).toEqual({ host: "127.0.0.1", port: sharedServerInfo("target").port, database: src.name, user: "postgres", params: { sslmode: "require" } });

    // Step 7 and 9 for real: the target has the foreign key and the index back.
    const restored = await onServer("target", src.name, "SELECT conname FROM pg_constraint WHERE contype = 'f' UNION ALL SELECT indexname FROM pg_indexes WHERE indexname = 'orders_account_idx'");
    expect(restored.map((r) => r["conname"] as string).sort()).toEqual(["orders_account_id_fkey", "orders_account_idx"]);
    // Step 12: switched to the target's URL; the rows written during CDC are there and the first insert on the target takes a fresh id.
    expect(readFileSync(join(d, "app-url"), "utf8")).toBe(tunnel);
    expect(readFileSync(join(d, "pooler"), "utf8").trim()).toBe("paused");
    const first = await onServer("target", src.name, "INSERT INTO public.orders (account_id, note) VALUES (1, 'first on Aurora') RETURNING id");
    expect(first[0]?.["id"]).toBe("216");
    expect(state.steps["cutover"]?.summary).toMatch(/^switched; writes unavailable for [\d.]+ s$/);
    // Step 13: AWS emptied of what the migration made; the slot and the marker schemas dropped.
    expect(fake.tasks.size + fake.endpoints.size + fake.replicationInstances.size + fake.dmsSubnetGroups.size).toBe(0);
    // The secret the wizard made for the target endpoint and both roles DMS read secrets with: gone too.
    expect(fake.roleStore.created.size).toBe(0);
    expect([...fake.secretStore.byArn.values()].filter((x) => x.Name.includes("/dms-"))).toEqual([]);
    expect(await src.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [sub])).toEqual([]);
    expect(await src.sql("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
    expect(await onServer("target", src.name, "SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'")).toEqual([]);
    expect(reporter.text).toMatch(/Aurora cluster .*: your new database/);
    // The rollback window's parameter group stays while the cluster (the new database) uses it, with the way to remove it.
    expect(reporter.text).toMatch(/cluster parameter group \S+-logical-replication \(the Aurora cluster \S+ uses it, keeping logical replication on; to remove it: aws rds modify-db-cluster/);
  });
});

describe("the wizard, steps 1–11, with a person at the terminal", () => {
  it("GIVEN a terminal WHEN a person answers every prompt THEN the wizard runs through step 11 and no password reaches the state file", async () => {
    const d = dir();
    const options: GlobalOptions = { statePath: join(d, "m.state.json"), yes: false, json: false, dryRun: false, verbose: false, color: false };
    const tunnelUrl = `postgres://postgres@127.0.0.1:${sharedServerInfo("target").port}/postgres?sslmode=require`;
    const terminal = new ScriptedTerminal({
      "source.url": db.url,
      "source.schemas": ["public"],
      "rollback.window": true,
      "source.walBudget": "",
      "aurora.mode": "create",
      "aurora.caBundle": "",
      // The fake Aurora's address is invented: the person reaches it through a tunnel (a real server here).
      "target.url": tunnelUrl,
      "aurora.clusterId": "Shop-Target",
      "aurora.engineVersion": "16.4",
      "aurora.subnetGroup": "app-db",
      "aurora.masterUsername": "migrator",
      "aurora.passwordMode": "prompt",
      "target.password": "Typed-Master-pw1",
      "aurora.instanceClass": "db.r6g.large",
      "aurora.reader": true,
      "aurora.public": false,
      "aurora.clientCidr": "",
      "dms.instance.mode": "create",
      "dms.instance.id": "shop-dms",
      "dms.instance.class": "dms.c5.large",
      "dms.instance.storageGb": 100,
      "dms.instance.multiAz": false,
      "dms.instance.public": false,
      "dms.subnetGroup": "create",
      "dms.captureDdls": false,
      "dms.sourceEndpoint.id": "shop-source",
      "dms.source.sslMode": "require",
      "dms.source.credentials": "password",
      "source.password": "Typed-Source-pw1",
      "dms.targetEndpoint.id": "shop-target",
      "dms.target.sslMode": "require",
      "dms.target.credentials": "password",
      "dms.target.username": "migrator",
      "dms.task.id": "shop-task",
      "keyChanges.capture": true,
      "sync.thresholdSeconds": 5,
      "sync.periods": 3,
    });
    const fake = dmsLike();
    await runWizard(options, "new", { reporter: new MemoryReporter(), terminal, signal: new AbortController().signal, clock: new FakeClock(), aws: () => Promise.resolve(fake) }, stepsOneToEleven());

    const state = await readState(options.statePath);
    expect(stepsOneToEleven().every((s) => state.steps[s.id]?.status === "done")).toBe(true);
    expect(fake.clusters.has("shop-target")).toBe(true);
    expect(fake.instances.has("shop-target-reader")).toBe(true);
    // The master password typed for the cluster is reused for the target endpoint, not asked twice.
    expect(terminal.asked.filter((id) => id === "target.password")).toHaveLength(1);
    expect(fake.callsTo("createEndpoint")[1]?.input).toMatchObject({ Username: "migrator", Password: "Typed-Master-pw1" });
    expect(state.answers["target.url"]).toBe(tunnelUrl);
    expect(fake.callsTo("createEndpoint")[1]?.input).toMatchObject({ ServerName: "shop-target.cluster-abc123.eu-west-1.rds.amazonaws.com", DatabaseName: db.name });
    const text = readFileSync(options.statePath, "utf8");
    expect(text).not.toMatch(/Typed-Master-pw1|Typed-Source-pw1/);
  });
});
