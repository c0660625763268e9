import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../adapters/postgres/sql.js";
import { throwIfAborted } from "../clock.js";
import { mapLimit } from "../concurrency.js";
import { OperationError, errorMessage } from "../errors.js";
import { type SetAsideObject, commentStatement } from "./set-aside.js";

export interface RestoreOptions {
  /** Opens a session on the target; called up to `jobs` times. */
  connect: () => Promise<PgClient>;
  objects: readonly SetAsideObject[];
  /** Objects built at once. Default 3. */
  jobs?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, object: SetAsideObject, outcome: RestoreOutcome) => void;
}

export type RestoreOutcome = "created" | "already-present" | "validated";

export interface RestoreReport {
  created: number;
  alreadyPresent: number;
  /** Foreign keys found added but not yet validated (an interrupted run), now validated. */
  validated: number;
}

async function indexExists(c: PgClient, o: SetAsideObject): Promise<boolean> {
  const { rows } = await c.query<{ r: string | null }>("SELECT to_regclass($1)::text AS r", [qualified(o.schema, o.name)]);
  return rows[0]?.r !== null && rows[0]?.r !== undefined;
}

async function constraintState(c: PgClient, o: SetAsideObject): Promise<{ validated: boolean; partitioned: boolean } | { absent: true; partitioned: boolean }> {
  const { rows } = await c.query<{ validated: boolean | null; partitioned: boolean }>(
    `SELECT (SELECT convalidated FROM pg_constraint WHERE conrelid = t.oid AND conname = $3) AS validated, t.relkind = 'p' AS partitioned
       FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND t.relname = $2`,
    [o.schema, o.table, o.name],
  );
  const row = rows[0];
  if (!row) throw new OperationError(`Cannot restore ${o.kind} ${o.name}: table ${o.schema}.${o.table} is missing on the target.`, { hint: "Load the schema again (the schema load step), then resume." });
  return row.validated === null ? { absent: true, partitioned: row.partitioned } : { validated: row.validated, partitioned: row.partitioned };
}

const addConstraint = (o: SetAsideObject, suffix = ""): string => `ALTER TABLE ${qualified(o.schema, o.table)} ADD CONSTRAINT ${quoteIdent(o.name)} ${o.definition}${suffix}`;

/** Brings one object back; skips what already exists, so a re-run after an interruption carries on. */
async function restoreOne(c: PgClient, o: SetAsideObject): Promise<RestoreOutcome> {
  const comment = commentStatement(o);
  if (o.kind === "index") {
    if (await indexExists(c, o)) return "already-present";
    await c.query(o.definition);
    if (comment) await c.query(comment);
    return "created";
  }
  const state = await constraintState(c, o);
  const sourceNotValid = /\bNOT VALID$/.test(o.definition);
  if (!("absent" in state)) {
    if (o.kind !== "foreign-key" || state.validated || sourceNotValid) return "already-present";
    await c.query(`ALTER TABLE ${qualified(o.schema, o.table)} VALIDATE CONSTRAINT ${quoteIdent(o.name)}`);
    return "validated";
  }
  if (o.kind === "foreign-key" && !sourceNotValid && !state.partitioned) {
    // Added NOT VALID (a brief lock), then validated under a lock that lets reads and writes go on.
    await c.query(addConstraint(o, " NOT VALID"));
    await c.query(`ALTER TABLE ${qualified(o.schema, o.table)} VALIDATE CONSTRAINT ${quoteIdent(o.name)}`);
  } else {
    await c.query(addConstraint(o));
  }
  if (comment) await c.query(comment);
  return "created";
}

function statementOf(o: SetAsideObject): string {
  return o.kind === "index" ? o.definition : addConstraint(o);
}

/**
 * Restores set-aside objects on the target, `jobs` at a time: indexes and unique constraints
 * first, then foreign keys (which may need those unique indexes).
 */
export async function restoreSetAside(o: RestoreOptions): Promise<RestoreReport> {
  const jobs = Math.max(1, o.jobs ?? 3);
  const phases = [o.objects.filter((x) => x.kind !== "foreign-key"), o.objects.filter((x) => x.kind === "foreign-key")];
  const report: RestoreReport = { created: 0, alreadyPresent: 0, validated: 0 };
  const total = o.objects.length;
  let done = 0;
  const pool: PgClient[] = [];
  try {
    const size = Math.min(jobs, Math.max(...phases.map((p) => p.length), 1));
    for (let i = 0; i < size; i += 1) pool.push(await o.connect());
    const free = [...pool];
    for (const phase of phases) {
      await mapLimit(phase, pool.length, async (obj) => {
        throwIfAborted(o.signal);
        const c = free.pop()!;
        try {
          const outcome = await restoreOne(c, obj);
          if (outcome === "created") report.created += 1;
          else if (outcome === "validated") report.validated += 1;
          else report.alreadyPresent += 1;
          done += 1;
          o.onProgress?.(done, total, obj, outcome);
        } catch (err) {
          if (err instanceof OperationError) throw err;
          throw new OperationError(`Restoring ${obj.kind} ${obj.schema}.${obj.name} on ${obj.schema}.${obj.table} failed: ${errorMessage(err)}`, {
            details: ["Failing statement:", `  ${statementOf(obj)}`],
            hint:
              obj.kind === "foreign-key"
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
