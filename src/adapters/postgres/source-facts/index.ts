import { OperationError } from "../../../errors.js";
import type { BlindSpot, SchemaFact, SourceFacts } from "../../../plan/preflight/facts.js";
import { ident } from "../../../plan/sql-text.js";
import type { PgClient } from "../connect.js";
import { readExtensions, readLongTransactions, readPreparedTransactions, readSchemas, readServer, readSlots } from "./catalog.js";
import { CountingClient, type QueryKind } from "./counting-client.js";
import { scanData } from "./data-scan.js";
import { readHba } from "./hba.js";
import { readTables } from "./tables.js";

export { CountingClient } from "./counting-client.js";
export { readSchemas } from "./catalog.js";

export interface GatherOptions {
  /** Schemas to check; default: every non-system schema that has tables. */
  schemas?: readonly string[];
  /** A transaction open longer than this is reported. Default 300 (5 min). */
  longTransactionSeconds?: number;
  /** Bound of the one data-reading statement (LOB maxima, ±infinity). Default 60 000 ms. */
  dataScanTimeoutMs?: number;
}

export interface GatheredFacts {
  facts: SourceFacts;
  /** Real round trips made, by kind. */
  queries: Record<QueryKind, number>;
}

/** The schemas a user most likely migrates: every non-system one that has tables. */
export function defaultSchemas(schemas: readonly SchemaFact[]): string[] {
  return schemas.filter((s) => s.tableCount > 0).map((s) => s.name);
}

/**
 * Reads everything the preflight checks need from a live source: a fixed set of catalog
 * queries (their number does not depend on the table count) plus one data scan. What the
 * login may not see becomes a BlindSpot, never an error.
 */
export async function gatherSourceFacts(client: PgClient | CountingClient, options: GatherOptions = {}): Promise<GatheredFacts> {
  const db = client instanceof CountingClient ? client : new CountingClient(client);
  const longSeconds = options.longTransactionSeconds ?? 300;
  const server = await readServer(db);
  if (server.serverVersionNum < 100000) {
    throw new OperationError(`The source runs PostgreSQL ${server.serverVersion}; the preflight reads catalogs of PostgreSQL 10 and later.`, {
      hint: "Upgrade the source to a supported PostgreSQL major (13 or later is advised) before migrating: PostgreSQL 9.x is past its end of life, and Aurora offers no 9.x.",
    });
  }
  const schemas = await readSchemas(db);
  const chosenSchemas = options.schemas ? [...options.schemas] : defaultSchemas(schemas);
  const tables = await readTables(db, chosenSchemas);
  const extensions = await readExtensions(db);
  const slots = await readSlots(db);
  const longTransactions = await readLongTransactions(db, longSeconds);
  const preparedTransactions = await readPreparedTransactions(db);
  const hba = await readHba(db);
  const dataScan = await scanData(db, tables, options.dataScanTimeoutMs ?? 60_000);

  const blindSpots: BlindSpot[] = [];
  const login = server.login;
  if (!hba.readable) blindSpots.push({ what: "pg_hba.conf rules (pg_hba_file_rules)", why: hba.reason });
  if (!login.superuser && !login.readAllStats) {
    blindSpots.push({
      what: "other users' sessions (long-running transactions)",
      why: `${login.name} is neither superuser nor a member of pg_read_all_stats, so pg_stat_activity hides other users' transactions`,
      fix: `GRANT pg_read_all_stats TO ${ident(login.name)};`,
    });
  }
  if (!server.settings["hba_file"]) {
    blindSpots.push({ what: "the location of pg_hba.conf and postgresql.conf", why: `${login.name} is neither superuser nor a member of pg_read_all_settings`,
      fix: `GRANT pg_read_all_settings TO ${ident(login.name)};`,
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
    databaseSizeBytes: server.databaseSizeBytes,
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
  return { facts, queries: { ...db.counts } };
}
