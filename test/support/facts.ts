import type { SettingFact, SourceFacts, TableFact } from "../../src/plan/preflight/facts.js";

const setting = (value: string, unit: string | null, context: string): SettingFact => ({ setting: value, unit, context, pendingRestart: false });

/**
 * Facts of a healthy PostgreSQL 15 source (what the shared test server reports), for checks
 * tested on edge values no real server in the suite is set to. Override what the test is about.
 */
export function healthyFacts(overrides: Partial<SourceFacts> = {}): SourceFacts {
  return {
    serverVersion: "15.18",
    serverVersionNum: 150018,
    database: "app",
    inRecovery: false,
    login: { name: "postgres", superuser: true, replication: true, readAllStats: true, readAllSettings: true },
    settings: {
      wal_level: setting("logical", null, "postmaster"),
      max_replication_slots: setting("10", null, "postmaster"),
      max_wal_senders: setting("10", null, "postmaster"),
      wal_sender_timeout: setting("60000", "ms", "user"),
      max_slot_wal_keep_size: setting("10240", "MB", "sighup"),
      logical_decoding_work_mem: setting("65536", "kB", "user"),
      idle_in_transaction_session_timeout: setting("0", "ms", "user"),
    },
    databaseSizeBytes: 8 * 1024 ** 2,
    largeObjectCount: 0,
    schemas: [{ name: "public", tableCount: 1 }],
    chosenSchemas: ["public"],
    tables: [],
    extensions: [],
    slots: [],
    walSendersInUse: 0,
    longTransactions: [],
    longTransactionThresholdSeconds: 300,
    preparedTransactions: [],
    hba: { readable: true, rules: [] },
    dataScan: { status: "not-needed" },
    blindSpots: [],
    ...overrides,
  };
}

export function withSetting(facts: SourceFacts, name: string, value: string): SourceFacts {
  const current = facts.settings[name] ?? setting(value, null, "sighup");
  return { ...facts, settings: { ...facts.settings, [name]: { ...current, setting: value } } };
}

/** A plain logged table with an immediate primary key `id`; override what the test is about. */
export function tableFact(overrides: Partial<TableFact> & Pick<TableFact, "name">): TableFact {
  return {
    schema: "public",
    kind: "r",
    isPartition: false,
    unlogged: false,
    hasPrimaryKey: true,
    primaryKeyDeferrable: false,
    replicaIdentity: "d",
    deferrableConstraints: [],
    sizeBytes: 8192,
    rowEstimate: 0,
    selectable: true,
    columns: [{ name: "id", type: "integer", baseType: "int4", baseTypeKind: "b", isArray: false, numericPrecision: null, charLength: null, inPrimaryKey: true }],
    ...overrides,
  };
}
