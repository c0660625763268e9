import type { PgClient } from "../../adapters/postgres/connect.js";
import { throwIfAborted } from "../../core/clock.js";
import { mapLimit } from "../../core/concurrency.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { type RestoreOutcome, type RestoreUnit, planRestore } from "./restore-units.js";
import type { SetAsideObject } from "./set-aside.js";

export type { RestoreOutcome } from "./restore-units.js";

export interface RestoreOptions {
  /** Opens a session on the target; called up to `jobs` times. */
  connect: () => Promise<PgClient>;
  objects: readonly SetAsideObject[];
  /** Objects built at once. Default 3. */
  jobs?: number;
  signal?: AbortSignal;
  /** After each unit: an object, a partition's index, or an attachment. */
  onProgress?: (done: number, total: number, what: string, outcome: RestoreOutcome) => void;
}

export interface RestoreReport {
  /** Indexes and constraints created, partitions' included. */
  created: number;
  alreadyPresent: number;
  /** Foreign keys found added but not yet validated (an interrupted run), now validated. */
  validated: number;
  /** Partition indexes attached to their parent's. */
  attached: number;
  /** Units of work: objects, their partitions' indexes and the attachments. */
  total: number;
}

/**
 * Restores set-aside objects on the target, in phases: partitioned parents created alone
 * (catalog only), then indexes and unique constraints built `jobs` at a time (each partition's
 * index on its own), then each partition's index attached to its parent's (which makes the
 * parent valid), then foreign keys (which may need those unique indexes), `jobs` at a time.
 * Whatever exists is skipped, so a re-run after an interruption finishes the work.
 */
export async function restoreSetAside(o: RestoreOptions): Promise<RestoreReport> {
  const jobs = Math.max(1, o.jobs ?? 3);
  const plan = planRestore(o.objects);
  const phases: { units: RestoreUnit[]; parallel: boolean }[] = [
    { units: plan.parents, parallel: false },
    { units: plan.builds, parallel: true },
    { units: plan.attaches, parallel: false },
    { units: plan.foreignKeys, parallel: true },
  ];
  const total = phases.reduce((n, p) => n + p.units.length, 0);
  const report: RestoreReport = { created: 0, alreadyPresent: 0, validated: 0, attached: 0, total };
  let done = 0;
  const pool: PgClient[] = [];
  try {
    const size = Math.min(jobs, Math.max(...phases.map((p) => (p.parallel ? p.units.length : 1)), 1));
    for (let i = 0; i < size; i += 1) pool.push(await o.connect());
    const free = [...pool];
    for (const phase of phases) {
      await mapLimit(phase.units, phase.parallel ? pool.length : 1, async (unit) => {
        throwIfAborted(o.signal);
        const c = free.pop()!;
        try {
          const outcome = await unit.run(c);
          if (outcome === "created") report.created += 1;
          else if (outcome === "validated") report.validated += 1;
          else if (outcome === "attached") report.attached += 1;
          else report.alreadyPresent += 1;
          done += 1;
          o.onProgress?.(done, total, unit.what, outcome);
        } catch (err) {
          if (err instanceof OperationError) throw err;
          throw new OperationError(`Restoring ${unit.what} failed: ${errorMessage(err)}`, {
            details: ["Failing statement:", `  ${unit.statement}`],
            hint:
              unit.kind === "foreign-key"
                ? "Rows on the target break this foreign key: find them (the message names the key), fix them on the source or target, then resume; what was restored stays."
                : "Fix the cause on the target, then resume: what was already restored is kept and skipped.",
            cause: err,
          });
        } finally {
          free.push(c);
        }
      });
    }
    return report;
  } finally {
    await Promise.all(pool.map((c) => c.end().catch(() => undefined)));
  }
}

/** An index of the chosen schemas that is not valid (pg_index.indisvalid), e.g. a partitioned index missing a partition's. */
export interface InvalidIndex {
  schema: string;
  table: string;
  name: string;
}

/** Every invalid index in `schemas`: none may remain after the restore. */
export async function invalidIndexes(c: PgClient, schemas: readonly string[]): Promise<InvalidIndex[]> {
  const { rows } = await c.query<InvalidIndex>(
    `SELECT n.nspname AS schema, t.relname AS table, i.relname AS name
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE NOT x.indisvalid AND n.nspname = ANY($1::text[]) ORDER BY 1, 3`,
    [schemas],
  );
  return rows;
}
