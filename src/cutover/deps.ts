/** What `validate`'s row counts said: clean, or the tables that differ. */
export interface RowCountCheck {
  clean: boolean;
  /** One line per table that differs, e.g. `app.orders: source 1200, target 1187`. */
  differences: string[];
}

/** What the final sequence sync moved, for the report. */
export interface SequenceSyncResult {
  /** One line for the report, e.g. "41 sequences checked, 3 moved forward". */
  summary: string;
}

/**
 * The parts of the cutover that live elsewhere (the AWS adapters, `validate`, `sync-sequences`),
 * injected so the cutover is plain orchestration over PostgreSQL plus these calls
 * (cutoverDepsFor in live-deps.ts builds them from a step context).
 * Every function may throw an AppError; the cutover lifts its freeze when one does.
 */
export interface CutoverDeps {
  /** The DMS task's status as DMS reports it (`running`, `stopped`, …). */
  taskStatus(): Promise<string>;
  /** The latest CDC latency in seconds: the larger of CDCLatencySource and CDCLatencyTarget; undefined while no datapoints exist. */
  cdcLatencySeconds(): Promise<number | undefined>;
  /** Row counts of every migrated table compared between source and target. */
  rowCountsMatch(): Promise<RowCountCheck>;
  /** Moves every target sequence to the source's position (never backwards). */
  syncSequences(): Promise<SequenceSyncResult>;
}
