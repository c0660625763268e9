/**
 * The demo's databases: its own two throwaway servers (TLS on, trust authentication), or the
 * caller's (--source / --target); the app's role on both, the app's schema and rows on the
 * source. What a later `demo --resume` needs is kept beside the state file (no password).
 */
import { readFile } from "node:fs/promises";
import { connectUrl } from "../../adapters/postgres/connect-url.js";
import { formatPgUrl, parsePgUrl } from "../../adapters/postgres/url.js";
import { OperationError, UsageError } from "../../core/errors.js";
import { quoteIdent } from "../../plan/sql-text.js";
import { type LocalServers, startLocalServers } from "../../standin/local-servers.js";
import type { ServerRef } from "../../standin/aws/index.js";
import { writeTextAtomic } from "../../state/store.js";
import { APP_GRANTS_SQL, APP_ROLE, DEMO_DATABASE, DEMO_SCHEMA_SQL, demoSeedSql } from "./schema.js";

export interface DemoRecord {
  version: 1;
  /** The source database, as the superuser the wizard connects as (no password). */
  sourceUrl: string;
  /** The server that plays Aurora. */
  auroraServer: ServerRef;
  /** True when the demo started (and has since stopped) its own servers: nothing to resume. */
  ownServers: boolean;
  /** The file the switch hook writes the target's URL to (no password, mode 0600). */
  switchFile: string;
  /** The servers were given with a password (kept in memory only; a resumed demo takes PGPASSWORD). */
  passwordGiven?: boolean;
  /** The check made right after the switch, shown again by a later run. */
  validation?: { clean: boolean; differences: number; tables: number; rows: number; at: string };
  /** demo --rollback: the check after the rollback (Aurora as the source, the old server as the target). */
  rollbackValidation?: { clean: boolean; differences: number; tables: number; rows: number; at: string };
}

/** The passwords of the demo's servers: in memory only, never in the record. */
export interface DemoPasswords {
  source?: string | undefined;
  target?: string | undefined;
}

/**
 * A resumed demo's passwords: from the environment (PGPASSWORD), as an app would take them;
 * a record written by an older version that still holds one in its URL gives that one.
 */
export function resumedPasswords(record: Pick<DemoRecord, "sourceUrl">, envPassword: string | undefined): DemoPasswords {
  const source = parsePgUrl(record.sourceUrl).password ?? envPassword;
  return { ...(source !== undefined ? { source } : {}), ...(envPassword !== undefined ? { target: envPassword } : {}) };
}

export function demoRecordPath(statePath: string): string {
  return `${statePath}.demo.json`;
}

export async function readDemoRecord(statePath: string): Promise<DemoRecord> {
  const path = demoRecordPath(statePath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`There is no demo recorded beside ${statePath} (${path} is missing).`, {
      hint: "Pass the --state of the demo to resume, or start a new one with `aurora-migrate demo`.",
    });
  }
  return JSON.parse(text) as DemoRecord;
}

export async function writeDemoRecord(statePath: string, record: DemoRecord): Promise<void> {
  await writeTextAtomic(demoRecordPath(statePath), JSON.stringify(record, null, 2) + "\n");
}

export interface DemoDatabases {
  sourceUrl: string;
  auroraServer: ServerRef;
  /** The demo's own servers, when it started them (the caller stops them). */
  servers?: LocalServers;
}

/** Refuses --source without --target (or the reverse) before anything is started or written. */
export function checkDemoServerFlags(o: { source?: string; target?: string }): void {
  if ((o.source === undefined) !== (o.target === undefined)) {
    throw new UsageError("--source and --target go together: give both to use your own servers, or neither to let the demo start two.");
  }
}

/** Starts the demo's servers, or checks the caller's URLs. */
export async function demoDatabases(o: { source?: string; target?: string; rollback?: boolean }, say: (text: string) => void): Promise<DemoDatabases> {
  checkDemoServerFlags(o);
  if (o.source !== undefined && o.target !== undefined) {
    const target = parsePgUrl(o.target).location;
    parsePgUrl(o.source);
    return { sourceUrl: o.source, auroraServer: { host: target.host, port: target.port, user: target.user, sslmode: target.params["sslmode"] ?? "prefer" } };
  }
  // demo --rollback: "Aurora" becomes a DMS source too (as rds.logical_replication = 1 does).
  const servers = await startLocalServers({ ssl: true, targetLogical: o.rollback === true });
  say(`Started two throwaway PostgreSQL servers: source ${servers.source.major} on port ${servers.source.port}, "Aurora" ${servers.target.major} on port ${servers.target.port} (TLS, trust authentication${o.rollback === true ? ', "Aurora" with wal_level=logical' : ""}).`);
  try {
    await servers.source.createDatabase(DEMO_DATABASE);
  } catch (err) {
    await servers.stop();
    throw err;
  }
  const sourceUrl = formatPgUrl({ ...servers.source.location(DEMO_DATABASE), params: { sslmode: "require" } });
  return { sourceUrl, auroraServer: { host: servers.target.host, port: servers.target.port, user: "postgres", sslmode: "require" }, servers };
}

/** The app's role on both servers, and its schema and rows on the source. */
export async function prepareDemoData(db: DemoDatabases, orders: number): Promise<void> {
  const a = db.auroraServer;
  const targetAdmin = formatPgUrl({ host: a.host, port: a.port, user: a.user, database: "postgres", params: { sslmode: a.sslmode } });
  for (const url of [db.sourceUrl, targetAdmin]) {
    const c = await connectUrl(url);
    try {
      // As an admin prepares Aurora's roles before a switch: the app logs in on both. Its
      // privileges on the target come from the wizard (step 9), not from here.
      await c.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN CREATE ROLE ${quoteIdent(APP_ROLE)} LOGIN; END IF; END $$`);
    } finally {
      await c.end();
    }
  }
  const source = await connectUrl(db.sourceUrl);
  try {
    const { rowCount } = await source.query("SELECT 1 FROM pg_namespace WHERE nspname = 'app'");
    if (rowCount) {
      throw new UsageError(`The source ${parsePgUrl(db.sourceUrl).location.database} already has a schema "app".`, {
        hint: "The demo creates its own app there: give --source an empty database (or drop the schema app).",
      });
    }
    await source.query(DEMO_SCHEMA_SQL + APP_GRANTS_SQL);
    await source.query(demoSeedSql(orders));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new OperationError(`Could not create the demo's app on the source: ${(err as Error).message}`, { cause: err, hint: "The source's login needs to create schemas, tables and functions (a superuser is simplest for the demo)." });
  } finally {
    await source.end();
  }
}
