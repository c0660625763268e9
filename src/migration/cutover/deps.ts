import type { TableCount } from "./row-counts.js";

/**
 * The parts of the cutover that live elsewhere (the AWS adapters, `validate`),
 * injected so the cutover is plain orchestration over PostgreSQL plus these calls
 * (cutoverDepsFor in live-deps.ts builds them from a step context).
 * Every function may throw an AppError; the cutover lifts its freeze when one does.
 */
export interface CutoverDeps {
  /** The DMS task's status as DMS reports it (`running`, `stopped`, …). */
  taskStatus(): Promise<string>;
  /** The latest CDC latency in seconds: the larger of CDCLatencySource and CDCLatencyTarget; undefined while no datapoints exist. */
  cdcLatencySeconds(): Promise<number | undefined>;
  /** Row counts of every migrated table on the source and the target (validate's counts, in parallel), before the freeze. */
  rowCounts(): Promise<TableCount[]>;
}
