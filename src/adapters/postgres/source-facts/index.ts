import { OperationError } from "../../../core/errors.js";
import type { BlindSpot, DataScanFact, SchemaFact, SourceFacts } from "../../../plan/preflight/facts.js";
import { readableName } from "../../../plan/sql-text.js";
import type { PgClient } from "../connect.js";
import { readExtensions, readLongTransactions, readPreparedTransactions, readSchemas, readServer, readSlots } from "./catalog.js";
import { readColumns } from "./columns.js";
import { CountingClient, type QueryKind, type TimedQuery } from "./counting-client.js";
import { type ScanOutcome, scanData } from "./data-scan.js";
import { readHba } from "./hba.js";
import { readTables } from "./tables.js";

export { CountingClient } from "./counting-client.js";
export { readSchemas } from "./catalog.js";

export interface GatherOptions {
  /** Schemas to check; default: every non-system schema that has tables. */
  schemas?: readonly string[];
  /** A transaction open longer than this is reported. Default 300 (5 min). */
  longTransactionSeconds?: number;
  /** Bound of the data scan (LOB maxima, ±infinity), all its statements together. Default 60 000 ms. */
  dataScanTimeoutMs?: number;
  /**
   * Opens another session on the same database. Given, the data scan runs on `scanSessions`
   * sessions of its own while the catalog is read on this one; without it, it runs on this
   * one after the catalog. Sessions that fail to open are done without.
   */
  openSession?: () => Promise<PgClient>;
  /** Sessions the data scan may open with `openSession`. Default 2. */
  scanSessions?: number;
}

export interface GatheredFacts {
  facts: SourceFacts;
  /** Real round trips made, by kind. */
  queries: Record<QueryKind, number>;
  /** Each round trip's time, in the order each session sent them; session 0 is the caller's, 1 and on the scan's own. */
  timings: (TimedQuery & { session: number })[];
}

/** The schemas a user most likely migrates: every non-system one that has tables. */
export function defaultSchemas(schemas: readonly SchemaFact[]): string[] {
  return schemas.filter((s) => s.tableCount > 0).map((s) => s.name);
}

/**
 * Reads everything the preflight checks need from a live source: a fixed set of catalog
 * queries (their number does not depend on the table count) plus the data scan (one statement
 * per batch of tables holding a LOB-type or date/time column). What the login may not see
 * becomes a BlindSpot, never an error.
 */
export async function gatherSourceFacts(client: PgClient | CountingClient, options: GatherOptions = {}): Promise<GatheredFacts> {
  const db = client instanceof CountingClient ? client : new CountingClient(client);
  const opened: { sessions?: ScanSessions } = {};
  try {
    return await gather(db, opened, options);
  } finally {
    await opened.sessions?.close();
  }
}

/**
 * Below this many tables the data scan stays on the caller's session: a few statements do
 * not repay opening sessions on the source.
 */
export const PARALLEL_SCAN_FROM_TABLES = 500;

interface ScanSessions {
  ready: Promise<CountingClient[]>;
  close: () => Promise<void>;
}

/** The data scan's own sessions, opened while the catalog is read; those that fail to open are done without. */
function openScanSessions(open: () => Promise<PgClient>, count: number): ScanSessions {
  const opened: PgClient[] = [];
  const attempts = Array.from({ length: count }, async () => {
    try {
      const session = await open();
      opened.push(session);
      return session;
    } catch {
      return undefined; // e.g. max_connections reached: the scan makes do with fewer sessions
    }
  });
  return {
    ready: Promise.all(attempts).then((all) => all.filter((s): s is PgClient => s !== undefined).map((s) => new CountingClient(s))),
    close: async () => {
      await Promise.all(attempts);
      await Promise.all(opened.map((s) => s.end().catch(() => undefined)));
    },
  };
}

async function gather(db: CountingClient, opened: { sessions?: ScanSessions }, options: GatherOptions): Promise<GatheredFacts> {
  const longSeconds = options.longTransactionSeconds ?? 300;
  const scanTimeout = options.dataScanTimeoutMs ?? 60_000;
  const server = await readServer(db);
  if (server.serverVersionNum < 100000) {
    throw new OperationError(`The source runs PostgreSQL ${server.serverVersion}; the preflight reads catalogs of PostgreSQL 10 and later.`, {
      hint: "Upgrade the source to a supported PostgreSQL major (13 or later is advised) before migrating: PostgreSQL 9.x is past its end of life, and Aurora offers no 9.x.",
    });
  }
  const schemas = await readSchemas(db);
  const chosenSchemas = options.schemas ? [...options.schemas] : defaultSchemas(schemas);
  const tableCount = schemas.filter((s) => chosenSchemas.includes(s.name)).reduce((n, s) => n + s.tableCount, 0);
  if (options.openSession && tableCount >= PARALLEL_SCAN_FROM_TABLES) opened.sessions = openScanSessions(options.openSession, options.scanSessions ?? 2);
  // With sessions of their own, the first reads the columns and then the scan runs on all of
  // them, while this session reads the tables and the rest of the catalog: the columns query
  // and the scan no longer wait for the table query (nor it for them).
  const early = opened.sessions?.ready.then(async (sessions) => {
    if (sessions.length === 0) return undefined;
    const columns = await readColumns(sessions[0]!, chosenSchemas, server.serverVersionNum);
    const scanned = scanData(sessions, columns, scanTimeout);
    scanned.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    return { sessions, columns, scanned };
  });
  const columnsRead = early
    ? early.then((e) => e?.columns ?? readColumns(db, chosenSchemas, server.serverVersionNum))
    : readColumns(db, chosenSchemas, server.serverVersionNum);
  columnsRead.catch(() => undefined); // awaited by readTables, after its own query
  const { tables, databaseSizeBytes } = await readTables(db, chosenSchemas, server.serverVersionNum, columnsRead);
  const extensions = await readExtensions(db);
  const slots = await readSlots(db);
  const longTransactions = await readLongTransactions(db, longSeconds);
  const preparedTransactions = await readPreparedTransactions(db);
  const hba = await readHba(db);
  const parallel = await early;
  const scanSessions = parallel?.sessions ?? [];
  const scanned = await (parallel?.scanned ?? scanData([db], await columnsRead, scanTimeout));
  const skippedTables = tables.filter((t) => !t.selectable).map((t) => `${t.schema}.${t.name}`);
  const dataScan = withSkipped(scanned, skippedTables);

  const blindSpots: BlindSpot[] = [];
  const login = server.login;
  if (!hba.readable) blindSpots.push({ what: "pg_hba.conf rules (pg_hba_file_rules)", why: hba.reason });
  if (!login.superuser && !login.readAllStats) {
    blindSpots.push({
      what: "other users' sessions (long-running transactions)",
      why: `${login.name} is neither superuser nor a member of pg_read_all_stats, so pg_stat_activity hides other users' transactions`,
      fix: `GRANT pg_read_all_stats TO ${readableName(login.name)};`,
    });
  }
  if (!server.settings["hba_file"]) {
    blindSpots.push({ what: "the location of pg_hba.conf and postgresql.conf", why: `${login.name} is neither superuser nor a member of pg_read_all_settings`,
      fix: `GRANT pg_read_all_settings TO ${readableName(login.name)};`,
    });
  }
  const skipped = dataScan.status === "not-needed" ? [] : dataScan.skippedTables;
  if (skipped.length) {
    blindSpots.push({
      what: `the data of ${skipped.length} table(s) (LOB sizes): ${skipped.slice(0, 5).join(", ")}${skipped.length > 5 ? ", …" : ""}`,
      why: `${login.name} has no SELECT privilege on them`,
    });
  }

  const facts: SourceFacts = {
    serverVersion: server.serverVersion,
    serverVersionNum: server.serverVersionNum,
    database: server.database,
    inRecovery: server.inRecovery,
    login,
    settings: server.settings,
    databaseSizeBytes,
    largeObjectCount: server.largeObjectCount,
    schemas,
    chosenSchemas,
    tables,
    extensions,
    slots,
    walSendersInUse: server.walSendersInUse,
    longTransactions,
    longTransactionThresholdSeconds: longSeconds,
    preparedTransactions,
    hba,
    dataScan,
    blindSpots,
  };
  const queries = { ...db.counts };
  for (const session of scanSessions) {
    queries.catalog += session.counts.catalog;
    queries.dataScan += session.counts.dataScan;
  }
  const timings = [db, ...scanSessions].flatMap((session, i) => session.timings.map((t) => ({ ...t, session: i })));
  return { facts, queries, timings };
}

/** The scan's outcome with the tables it could not read; a scan with nothing to read and nothing skipped was not needed. */
function withSkipped(scanned: ScanOutcome, skippedTables: string[]): DataScanFact {
  if (scanned.status === "failed") return { ...scanned, skippedTables };
  if (scanned.status === "done") return { ...scanned, skippedTables };
  return skippedTables.length ? { status: "done", lobMaxima: [], infinities: [], skippedTables } : { status: "not-needed" };
}
