/**
 * Everything the source preflight knows about a live source, as plain data. Gathered by
 * src/adapters/postgres/source-facts/ with a fixed number of queries; every check in this
 * folder is a pure function of it, so checks are tested on real facts or on hand-made ones.
 */

/** One row of pg_settings that the checks read. */
export interface SettingFact {
  /** As pg_settings shows it, e.g. "logical", "10", "60000", "-1". */
  setting: string;
  /** pg_settings.unit: "ms", "kB", "MB", "8kB"… or null. */
  unit: string | null;
  /** postmaster = restart needed; sighup = reload; user/superuser = reload or per session. */
  context: string;
  /** True when a changed value waits for a restart (ALTER SYSTEM done, restart not yet). */
  pendingRestart: boolean;
}

export interface LoginFact {
  name: string;
  superuser: boolean;
  replication: boolean;
  /** Member of pg_read_all_stats (sees every session in pg_stat_activity). */
  readAllStats: boolean;
  /** Member of pg_read_all_settings (sees file locations such as hba_file). */
  readAllSettings: boolean;
}

export interface HbaRuleFact {
  lineNumber: number;
  type: string;
  databases: string[];
  users: string[];
  address: string | null;
  netmask: string | null;
  authMethod: string | null;
  error: string | null;
}

/** pg_hba.conf as the server reads it, or why it could not be read. */
export type HbaFact = { readable: true; rules: HbaRuleFact[] } | { readable: false; reason: string };

export interface SchemaFact {
  name: string;
  tableCount: number;
}

export interface ColumnFact {
  name: string;
  /** format_type() of the column, e.g. "numeric(10,2)", "text[]", "character varying". */
  type: string;
  /**
   * The base type's name after resolving domains and array element types, e.g. "numeric",
   * "text", "hstore", "inet"; for enums/composites/ranges the type's own name.
   */
  baseType: string;
  /** pg_type.typtype of the base type: b base, e enum, r range, m multirange, c composite, p pseudo, d never (resolved). */
  baseTypeKind: string;
  isArray: boolean;
  /** numeric precision when declared (numeric(p,s)), else null. */
  numericPrecision: number | null;
  /** varchar/char length when declared, else null. */
  charLength: number | null;
  inPrimaryKey: boolean;
}

/** A constraint checked at commit (or statement end) rather than row by row. */
export interface DeferrableConstraintFact {
  name: string;
  /** pg_constraint.contype: p primary key, u unique, x exclusion, f foreign key, t constraint trigger. */
  type: string;
  initiallyDeferred: boolean;
  /** pg_get_constraintdef(), e.g. "UNIQUE (pos) DEFERRABLE INITIALLY DEFERRED". */
  definition: string;
}

/** Where a partition sits: its direct parent and the top of its partition tree. */
export interface PartitionOfFact {
  parentSchema: string;
  parentName: string;
  rootSchema: string;
  rootName: string;
  /** 1 for a partition of the root, 2 for a sub-partition, … */
  level: number;
}

export interface TableFact {
  schema: string;
  name: string;
  /** r plain, p partitioned parent. */
  kind: "r" | "p";
  isPartition: boolean;
  /** Set for a partition (isPartition). */
  partitionOf?: PartitionOfFact;
  /** pg_get_partkeydef() of a partitioned table (kind p), e.g. "RANGE (created_at)". */
  partitionKey?: string;
  /** relpersistence = 'u': logical decoding never sees its changes. */
  unlogged: boolean;
  hasPrimaryKey: boolean;
  /** The primary key is DEFERRABLE: PostgreSQL then does not use it as replica identity. */
  primaryKeyDeferrable: boolean;
  /** pg_class.relreplident: d default, n nothing, f full, i index. */
  replicaIdentity: string;
  deferrableConstraints: DeferrableConstraintFact[];
  /**
   * Heap, indexes and TOAST, in bytes: pg_total_relation_size for the LARGEST_TABLES largest
   * tables and for those whose catalog counts are missing or stale (never analyzed, grown
   * since); the catalog's page counts (relpages × block size) for the rest.
   */
  sizeBytes: number;
  rowEstimate: number;
  /** The login may SELECT it (DMS's full load needs that). */
  selectable: boolean;
  columns: ColumnFact[];
}

export interface ExtensionFact {
  name: string;
  version: string;
  schema: string;
}

export interface SlotFact {
  name: string;
  plugin: string | null;
  slotType: string;
  database: string | null;
  active: boolean;
  /** WAL the slot holds back: pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn); null if unknown. */
  retainedBytes: number | null;
  /** PG 13+: reserved, extended, unreserved, lost. */
  walStatus: string | null;
}

export interface SessionFact {
  pid: number;
  user: string | null;
  database: string | null;
  applicationName: string | null;
  state: string | null;
  /** Age of the open transaction, in seconds. */
  transactionSeconds: number;
}

export interface PreparedXactFact {
  gid: string;
  database: string;
  owner: string;
  ageSeconds: number;
}

/** Largest value of one LOB-type column, measured by the data scan. */
export interface LobMaxFact {
  schema: string;
  table: string;
  column: string;
  type: string;
  maxBytes: number;
}

export interface InfinityFact {
  schema: string;
  table: string;
  column: string;
  type: string;
}

/** The one data-reading query: LOB maxima and ±infinity values. */
export type DataScanFact =
  | { status: "done"; lobMaxima: LobMaxFact[]; infinities: InfinityFact[]; skippedTables: string[] }
  | { status: "failed"; reason: string; skippedTables: string[] }
  | { status: "not-needed" };

/** Something the login could not see, and why (reported as a finding, never a crash). */
export interface BlindSpot {
  what: string;
  why: string;
  /** The GRANT that would let the login see it, when there is one. */
  fix?: string;
}

export interface SourceFacts {
  serverVersion: string;
  serverVersionNum: number;
  database: string;
  inRecovery: boolean;
  login: LoginFact;
  /** pg_settings rows by name; a name is missing when the server lacks it or hides it. */
  settings: Record<string, SettingFact>;
  databaseSizeBytes: number;
  /** Large objects stored in the database (pg_largeobject_metadata is readable by every login). */
  largeObjectCount: number;
  /** Every non-system schema of the database, for the schema question. */
  schemas: SchemaFact[];
  /** Schemas the checks cover. */
  chosenSchemas: string[];
  tables: TableFact[];
  extensions: ExtensionFact[];
  slots: SlotFact[];
  /** Walsender processes running now (pg_stat_replication). */
  walSendersInUse: number;
  /** Transactions open longer than the threshold (other sessions than ours). */
  longTransactions: SessionFact[];
  longTransactionThresholdSeconds: number;
  preparedTransactions: PreparedXactFact[];
  hba: HbaFact;
  dataScan: DataScanFact;
  blindSpots: BlindSpot[];
}
