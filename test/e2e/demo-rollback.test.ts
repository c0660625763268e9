/**
 * `demo --rollback --yes` through the built binary (issue 14, item 6): the app writes on Aurora
 * after the switch, `rollback` takes it back to the old server, `finish` removes the reverse path.
 * Afterwards the old server holds exactly Aurora's rows in every table of the app, and neither
 * server keeps a replication slot. The demo runs on servers this test starts (the demo's own
 * kind: TLS, trust; "Aurora" with wal_level=logical) so both can be read after it ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServers, startLocalServers } from "../../src/standin/local-servers.js";
import { runCli } from "../support/cli.js";

let servers: LocalServers;
let dir: string;
const DB = "shop_rb";

beforeAll(async () => {
  servers = await startLocalServers({ ssl: true, targetLogical: true });
  dir = mkdtempSync(join(tmpdir(), "demo-rollback-"));
}, 120_000);
afterAll(async () => {
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function sql<T extends pg.QueryResultRow>(port: number, database: string, text: string): Promise<T[]> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Every table of the schema app (partitions included): its row count and a digest of its rows. */
async function appTables(port: number): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }>(port, DB, "SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables WHERE table_schema = 'app' AND table_type = 'BASE TABLE' ORDER BY 1");
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [r] = await sql<{ n: string; digest: string | null }>(port, DB, `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ONLY ${name} t`);
    out[name] = `${r?.n ?? "?"} rows, ${r?.digest ?? "-"}`;
  }
  return out;
}

describe("demo --rollback", () => {
  it("GIVEN the demo with a rollback window WHEN it migrates, the app writes on Aurora, it rolls back and finishes THEN it exits 0, the old server has Aurora's rows in every table, and no slot is left on either server", async () => {
    await servers.source.createDatabase(DB);
    const state = join(dir, "rb.state.json");
    const r = await runCli([
      "demo", "--rollback", "--yes", "--rows", "300", "--state", state,
      "--source", `postgres://postgres@127.0.0.1:${servers.source.port}/${DB}?sslmode=require`,
      "--target", `postgres://postgres@127.0.0.1:${servers.target.port}/postgres?sslmode=require`,
    ]);
    const out = r.stdout + r.stderr;
    expect(r.code, out.slice(-4000)).toBe(0);
    expect(out).toMatch(/The app wrote \d+ transactions on Aurora/);
    expect(out).toContain("Switched back to the old server; nothing written on Aurora was lost.");
    // The app rotates cart tokens on Aurora too: those rows were re-copied by the rollback (DMS ignores key changes).
    expect(out).toMatch(/Primary-key changes repaired: {3}[1-9]\d* key\(s\) re-synced \([1-9]\d* change\(s\) recorded on Aurora\)/);
    expect(out).toMatch(/Rollback window \(writes unavailable, freeze on Aurora to switch-back hook end\): [\d.]+ s/);
    expect(out).toContain("Nothing left: no replication slot on Aurora or on the old server");

    const onAurora = await appTables(servers.target.port);
    const onOld = await appTables(servers.source.port);
    expect(Object.keys(onAurora).length).toBeGreaterThanOrEqual(8);
    expect(onOld).toEqual(onAurora);
    // The app's writes on Aurora are there: more orders than the demo seeded.
    const [orders] = await sql<{ n: string }>(servers.source.port, DB, "SELECT count(*)::text AS n FROM app.orders");
    expect(Number(orders?.n)).toBeGreaterThan(300);

    // The old server's sequences were moved to Aurora's positions (never backwards): its first inserts cannot collide.
    const seqs = async (port: number) => sql<{ name: string; v: string }>(port, DB, "SELECT format('%I.%I', schemaname, sequencename) AS name, coalesce(last_value, 0)::text AS v FROM pg_sequences WHERE schemaname = 'app' ORDER BY 1");
    const auroraSeqs = await seqs(servers.target.port);
    const oldSeqs = new Map((await seqs(servers.source.port)).map((q) => [q.name, BigInt(q.v)]));
    expect(auroraSeqs.length).toBeGreaterThan(0);
    for (const q of auroraSeqs) expect(oldSeqs.get(q.name)! >= BigInt(q.v), `${q.name}: old ${oldSeqs.get(q.name)}, Aurora ${q.v}`).toBe(true);

    for (const port of [servers.source.port, servers.target.port]) {
      expect(await sql(port, "postgres", "SELECT slot_name FROM pg_replication_slots")).toEqual([]);
    }
  }, 120_000);
});
