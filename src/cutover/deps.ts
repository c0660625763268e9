import type { TableCount } from "./row-counts.js";

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
  /** Row counts of every migrated table on the source and the target (validate's counts, in parallel). */
  rowCounts(): Promise<TableCount[]>;
  /** Moves every target sequence to the source's position (never backwards). */
  syncSequences(): Promise<SequenceSyncResult>;
}
