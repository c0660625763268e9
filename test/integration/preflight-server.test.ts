/**
 * Server-level checks on a server of this file's own (settings, pg_hba, slots, prepared and
 * long transactions), since they change server-wide configuration.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckSourceReport } from "../../src/commands/check-source.js";
import { runCli } from "../support/cli.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";
import { findingsOf, preflightOf } from "../support/preflight.js";
import { envelopeIn } from "../support/json-envelope.js";

let server: PgServer;
let url: string;

async function alterSystem(setting: string, value: string): Promise<void> {
  await server.sql(`ALTER SYSTEM SET ${setting} = '${value}'`);
  await server.sql("SELECT pg_reload_conf()");
}
async function resetSystem(setting: string): Promise<void> {
  await server.sql(`ALTER SYSTEM RESET ${setting}`);
  await server.sql("SELECT pg_reload_conf()");
}

beforeAll(async () => {
  server = await startPgServer({
    name: "preflight",
    logical: false,
    settings: { max_replication_slots: 2, max_wal_senders: 1, max_prepared_transactions: 5 },
  });
  url = await server.createDatabase("app");
  await server.sql("CREATE TABLE items (id int PRIMARY KEY, body text); INSERT INTO items SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g", "app");
});
afterAll(async () => {
  await server?.stop();
});

describe("check-source on a server with wal_level=replica", () => {
  it("GIVEN wal_level=replica WHEN check-source runs (built binary) THEN it exits 3 naming wal_level and the exact fix, with a restart", async () => {
    const run = await runCli(["check-source", url]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("wal_level is replica");
    expect(run.stdout).toContain("ALTER SYSTEM SET wal_level = 'logical';");
    expect(run.stdout).toContain("(needs a restart)");
    expect(run.stderr).toContain("not ready for DMS");
  });

  it("GIVEN wal_level fixed and the server restarted WHEN check-source --json runs THEN the wal_level check passes", async () => {
    await server.restart({ wal_level: "logical" });
    const run = await runCli(["check-source", url, "--json"]);
    const report = envelopeIn<CheckSourceReport>(run.stdout, { command: "check-source", exitCode: run.code }).result;
    expect(report.findings.filter((f) => f.check === "settings.wal_level")).toEqual([]);
    expect(report.passed).toContain("wal_level = logical");
    expect(report.facts.settings["wal_level"]).toBe("logical");
  });
});

describe("free capacity of slots and WAL senders", () => {
  it("GIVEN max_wal_senders=1 and none in use WHEN checked THEN a warning says only 1 is free; after raising it to 10 THEN quiet", async () => {
    const before = await preflightOf(url);
    const [finding] = findingsOf(before.result, "settings.max_wal_senders");
    expect(finding?.severity).toBe("warning");
    expect(finding?.found).toBe("max_wal_senders = 1, 0 in use, 1 free");
    expect(finding?.restartNeeded).toBe(true);
    await server.restart({ max_wal_senders: 10 });
    const after = await preflightOf(url);
    expect(findingsOf(after.result, "settings.max_wal_senders")).toEqual([]);
  });

  it("GIVEN max_replication_slots=2 WHEN no slot, one, then two exist THEN quiet, warning, then blocker", async () => {
    expect(findingsOf((await preflightOf(url)).result, "settings.max_replication_slots")).toEqual([]);
    await server.sql("SELECT pg_create_physical_replication_slot('old_replica_a')");
    const one = findingsOf((await preflightOf(url)).result, "settings.max_replication_slots");
    expect(one.map((f) => f.severity)).toEqual(["warning"]);
    await server.sql("SELECT pg_create_physical_replication_slot('old_replica_b')");
    const two = findingsOf((await preflightOf(url)).result, "settings.max_replication_slots");
    expect(two.map((f) => f.severity)).toEqual(["blocker"]);
    expect(two[0]?.found).toBe("max_replication_slots = 2, 2 in use, 0 free");
    expect(two[0]?.fix).toContain("ALTER SYSTEM SET max_replication_slots = 10;");
    await server.sql("SELECT pg_drop_replication_slot('old_replica_a'), pg_drop_replication_slot('old_replica_b')");
  });
});

describe("existing replication slots", () => {
  it("GIVEN an inactive logical slot holding WAL WHEN checked THEN a warning shows how much and the drop command; once dropped THEN quiet", async () => {
    await server.sql("SELECT pg_create_logical_replication_slot('forgotten_dms_slot', 'test_decoding')", "app");
    await server.sql("INSERT INTO items SELECT g, repeat('y', 500) FROM generate_series(20001, 30000) g", "app");
    const { result, facts } = await preflightOf(url);
    const slot = facts.slots.find((s) => s.name === "forgotten_dms_slot");
    expect(slot?.retainedBytes).toBeGreaterThan(1024 * 1024);
    const [finding] = findingsOf(result, "slots.inactive");
    expect(finding?.severity).toBe("warning");
    expect(finding?.found).toMatch(/forgotten_dms_slot \(logical, test_decoding, database app\): holds [\d.]+ MiB of WAL/);
    expect(finding?.fix).toContain("SELECT pg_drop_replication_slot('forgotten_dms_slot');");
    await server.sql("SELECT pg_drop_replication_slot('forgotten_dms_slot')");
    expect(findingsOf((await preflightOf(url)).result, "slots.inactive")).toEqual([]);
  });
});

describe("settings changed with a reload", () => {
  it("GIVEN wal_sender_timeout=5s THEN a blocker whose fix needs only a reload; at 60s THEN quiet", async () => {
    await alterSystem("wal_sender_timeout", "5s");
    const [finding] = findingsOf((await preflightOf(url)).result, "settings.wal_sender_timeout");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found).toBe("wal_sender_timeout = 5000 ms");
    expect(finding?.restartNeeded).toBe(false);
    expect(finding?.fix).toContain("SELECT pg_reload_conf();");
    await alterSystem("wal_sender_timeout", "60s");
    expect(findingsOf((await preflightOf(url)).result, "settings.wal_sender_timeout")).toEqual([]);
    await resetSystem("wal_sender_timeout");
  });

  it("GIVEN max_slot_wal_keep_size unlimited, then smaller than the database, then larger THEN warning, warning, quiet", async () => {
    const unlimited = findingsOf((await preflightOf(url)).result, "settings.max_slot_wal_keep_size");
    expect(unlimited[0]?.title).toContain("unlimited");
    await alterSystem("max_slot_wal_keep_size", "1MB");
    const small = findingsOf((await preflightOf(url)).result, "settings.max_slot_wal_keep_size");
    expect(small[0]?.severity).toBe("warning");
    expect(small[0]?.title).toContain("smaller than the database");
    await alterSystem("max_slot_wal_keep_size", "10GB");
    expect(findingsOf((await preflightOf(url)).result, "settings.max_slot_wal_keep_size")).toEqual([]);
    await resetSystem("max_slot_wal_keep_size");
  });

  it("GIVEN logical_decoding_work_mem=1MB THEN a warning with the 64MB fix; at its default THEN quiet", async () => {
    await alterSystem("logical_decoding_work_mem", "1MB");
    const [finding] = findingsOf((await preflightOf(url)).result, "settings.logical_decoding_work_mem");
    expect(finding?.found).toBe("logical_decoding_work_mem = 1.0 MiB");
    expect(finding?.fix).toContain("ALTER SYSTEM SET logical_decoding_work_mem = '64MB';");
    await resetSystem("logical_decoding_work_mem");
    expect(findingsOf((await preflightOf(url)).result, "settings.logical_decoding_work_mem")).toEqual([]);
  });

  it("GIVEN idle_in_transaction_session_timeout=10s THEN a warning to turn it off for the DMS login; at 0 THEN quiet", async () => {
    await alterSystem("idle_in_transaction_session_timeout", "10s");
    const [finding] = findingsOf((await preflightOf(url)).result, "settings.idle_in_transaction_session_timeout");
    expect(finding?.fix).toContain("ALTER ROLE postgres SET idle_in_transaction_session_timeout = 0;");
    await resetSystem("idle_in_transaction_session_timeout");
    expect(findingsOf((await preflightOf(url)).result, "settings.idle_in_transaction_session_timeout")).toEqual([]);
  });
});

describe("pg_hba rules for the replication instance's address", () => {
  const cidr = "10.0.12.34/32";

  it("GIVEN no line for the DMS address WHEN checked with its CIDR THEN blockers for the database and for replication, with lines scoped to it in the server's scram-sha-256", async () => {
    const { result } = await preflightOf(url, {}, { dmsCidr: cidr });
    const db = findingsOf(result, "access.pg_hba_database");
    const repl = findingsOf(result, "access.pg_hba_replication");
    expect(db[0]?.severity).toBe("blocker");
    expect(repl[0]?.severity).toBe("blocker");
    // PostgreSQL 15 stores passwords as SCRAM by default (password_encryption = scram-sha-256).
    expect(db[0]?.fix).toMatch(/host +app +postgres +10\.0\.12\.34\/32 +scram-sha-256\n/);
    expect(repl[0]?.fix).toMatch(/host +replication +postgres +10\.0\.12\.34\/32 +scram-sha-256\n/);
    expect(repl[0]?.fix).toContain("scram-sha-256, as the server's password_encryption");
    expect(result.findings.some((f) => f.fix?.includes("0.0.0.0/0") && !f.fix.includes("Never 0.0.0.0/0"))).toBe(false);
  });

  it("GIVEN lines for the DMS subnet WHEN checked THEN both checks are quiet", async () => {
    await server.setHba(["local all all trust", "host all all 127.0.0.1/32 trust", "host all all 10.0.12.0/24 md5", "host replication all 10.0.12.0/24 md5"]);
    const { result } = await preflightOf(url, {}, { dmsCidr: cidr });
    expect(findingsOf(result, "access.pg_hba_database")).toEqual([]);
    expect(findingsOf(result, "access.pg_hba_replication")).toEqual([]);
  });

  it("GIVEN a reject line above the allowing one WHEN checked THEN a blocker names the rejecting line", async () => {
    await server.setHba(["local all all trust", "host all all 127.0.0.1/32 trust", "host all all 10.0.0.0/8 reject", "host all all 10.0.12.0/24 md5", "host replication all 10.0.12.0/24 md5"]);
    const { result } = await preflightOf(url, {}, { dmsCidr: cidr });
    const [finding] = findingsOf(result, "access.pg_hba_database");
    expect(finding?.severity).toBe("blocker");
    expect(finding?.found).toContain("line 3");
    expect(finding?.fix).toContain("above line 3");
    expect(findingsOf(result, "access.pg_hba_replication")).toEqual([]);
  });

  it("GIVEN no --dms-cidr WHEN checked THEN the proposed lines carry a marked placeholder, never 0.0.0.0/0", async () => {
    const { result } = await preflightOf(url);
    const [finding] = findingsOf(result, "access.pg_hba_replication");
    expect(finding?.severity).toBe("info");
    expect(finding?.fix).toMatch(/host +replication +postgres +<DMS-INSTANCE-IP>\/32 +scram-sha-256\n/);
  });

  it("GIVEN a server whose password_encryption is md5 WHEN checked THEN the proposed lines use md5, and say why", async () => {
    await alterSystem("password_encryption", "md5");
    try {
      // An address no line of the earlier tests admits.
      const { result } = await preflightOf(url, {}, { dmsCidr: "172.16.5.5/32" });
      const [finding] = findingsOf(result, "access.pg_hba_replication");
      expect(finding?.fix).toMatch(/host +replication +postgres +172\.16\.5\.5\/32 +md5\n/);
      expect(finding?.fix).toContain("md5, as the server's password_encryption (md5)");
    } finally {
      await resetSystem("password_encryption");
    }
  });
});

describe("open transactions", () => {
  it("GIVEN a prepared transaction WHEN checked THEN a warning with COMMIT/ROLLBACK PREPARED; once committed THEN quiet", async () => {
    await server.sql("BEGIN; INSERT INTO items VALUES (-1, 'p'); PREPARE TRANSACTION 'pending_tx';", "app");
    const [finding] = findingsOf((await preflightOf(url)).result, "activity.prepared_transactions");
    expect(finding?.found).toContain("'pending_tx' in app by postgres");
    expect(finding?.fix).toContain("COMMIT PREPARED 'pending_tx';");
    await server.sql("COMMIT PREPARED 'pending_tx'", "app");
    expect(findingsOf((await preflightOf(url)).result, "activity.prepared_transactions")).toEqual([]);
  });

  it("GIVEN a session holding a transaction open past the threshold WHEN checked THEN a warning names its pid; once it ends THEN quiet", async () => {
    const holder = new pg.Client({ connectionString: url, application_name: "batch-job" });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      const [{ pid }] = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, txid_current()")).rows as [{ pid: number }];
      // Threshold 0 s: any open transaction of another session is "long" (no waiting in a test).
      const [finding] = findingsOf((await preflightOf(url, { longTransactionSeconds: 0 })).result, "activity.long_transactions");
      expect(finding?.found).toContain(`pid ${pid}: postgres@app (batch-job)`);
      expect(finding?.fix).toContain(`SELECT pg_terminate_backend(${pid});`);
      await holder.query("COMMIT");
      expect(findingsOf((await preflightOf(url, { longTransactionSeconds: 0 })).result, "activity.long_transactions")).toEqual([]);
    } finally {
      await holder.end();
    }
  });
});
