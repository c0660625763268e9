import type { PgClient } from "../../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../../plan/sql-text.js";
import { OperationError } from "../../core/errors.js";
import { type PartitionIndex, type SetAsideObject, commentStatement } from "./set-aside.js";

export type RestoreOutcome = "created" | "already-present" | "validated" | "attached";

/** One statement's worth of restore work; `run` skips what is already done, so a re-run carries on. */
export interface RestoreUnit {
  /** e.g. `index "app"."orders_idx" on "app"."orders"`, for progress lines and errors. */
  what: string;
  kind: SetAsideObject["kind"];
  statement: string;
  run: (c: PgClient) => Promise<RestoreOutcome>;
}

/** The units of a restore, by phase: each phase finishes before the next starts. */
export interface RestorePlan {
  /** Partitioned indexes and constraints created alone (`ON ONLY`): catalog-only, one at a time. */
  parents: RestoreUnit[];
  /** Plain indexes and constraints, and each leaf partition's index: the real builds, in parallel. */
  builds: RestoreUnit[];
  /** `ALTER INDEX parent ATTACH PARTITION child`, deepest first, one at a time (no lock cycles between sessions). */
  attaches: RestoreUnit[];
  foreignKeys: RestoreUnit[];
}

interface Target {
  kind: SetAsideObject["kind"];
  schema: string;
  table: string;
  name: string;
  definition: string;
  comment?: string | undefined;
}

const describe = (t: Target): string => `${t.kind} ${qualified(t.schema, t.name)} on ${qualified(t.schema, t.table)}`;

async function indexExists(c: PgClient, schema: string, name: string): Promise<boolean> {
  const { rows } = await c.query<{ r: string | null }>("SELECT to_regclass($1)::text AS r", [qualified(schema, name)]);
  return rows[0]?.r !== null && rows[0]?.r !== undefined;
}

async function constraintState(c: PgClient, t: Target): Promise<{ validated: boolean; partitioned: boolean } | { absent: true; partitioned: boolean }> {
  const { rows } = await c.query<{ validated: boolean | null; partitioned: boolean }>(
    `SELECT (SELECT convalidated FROM pg_constraint WHERE conrelid = t.oid AND conname = $3) AS validated, t.relkind = 'p' AS partitioned
       FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND t.relname = $2`,
    [t.schema, t.table, t.name],
  );
  const row = rows[0];
  if (!row) throw new OperationError(`Cannot restore ${t.kind} ${t.name}: table ${t.schema}.${t.table} is missing on the target.`, { hint: "Load the schema again (the schema load step), then resume." });
  return row.validated === null ? { absent: true, partitioned: row.partitioned } : { validated: row.validated, partitioned: row.partitioned };
}

const addConstraint = (t: Target, only: boolean, suffix = ""): string =>
  `ALTER TABLE ${only ? "ONLY " : ""}${qualified(t.schema, t.table)} ADD CONSTRAINT ${quoteIdent(t.name)} ${t.definition}${suffix}`;

/**
 * Pure: a partitioned index recorded before partitions were (an older state file) is created
 * for the whole tree: its `ON ONLY` dropped, so PostgreSQL builds and attaches each partition's.
 */
export function wholeTreeIndexDefinition(definition: string): string {
  return definition.replace(/^(CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")*"|[^\s"]+) ON )ONLY /, "$1");
}

/** An index or unique/exclusion constraint, created when absent; `only` keeps it off the table's partitions. */
function createUnit(t: Target, only: boolean): RestoreUnit {
  const statement = t.kind === "index" ? t.definition : addConstraint(t, only);
  return {
    what: describe(t),
    kind: t.kind,
    statement,
    run: async (c) => {
      const present = t.kind === "index" ? await indexExists(c, t.schema, t.name) : !("absent" in (await constraintState(c, t)));
      if (present) return "already-present";
      await c.query(statement);
      const comment = commentStatement(t);
      if (comment) await c.query(comment);
      return "created";
    },
  };
}

/** Whether the foreign key `name` on `t` (with its clones for each referenced partition) is validated, and whether it references a partitioned table. */
async function foreignKeyState(c: PgClient, t: Target): Promise<{ validated: boolean; referencesPartitioned: boolean } | undefined> {
  const { rows } = await c.query<{ validated: boolean; references_partitioned: boolean }>(
    `SELECT c.convalidated AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conparentid = c.oid AND k.conrelid = c.conrelid AND NOT k.convalidated) AS validated,
            r.relkind = 'p' AS references_partitioned
       FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid
      WHERE c.conrelid = to_regclass($1) AND c.conname = $2`,
    [qualified(t.schema, t.table), t.name],
  );
  const row = rows[0];
  return row ? { validated: row.validated, referencesPartitioned: row.references_partitioned } : undefined;
}

async function inTransaction<T>(c: PgClient, work: () => Promise<T>): Promise<T> {
  await c.query("BEGIN");
  try {
    const out = await work();
    await c.query("COMMIT");
    return out;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/**
 * A foreign key, added NOT VALID (a brief lock) then validated under a lock that lets reads
 * and writes go on — except where VALIDATE does not reach: on a partitioned table, and for a
 * key referencing a partitioned table (its clone for each partition would stay NOT VALID), it
 * is added whole. A key found added but not validated (an interrupted run) is finished.
 */
function foreignKeyUnit(o: SetAsideObject): RestoreUnit {
  const sourceNotValid = /\bNOT VALID$/.test(o.definition);
  const validate = `ALTER TABLE ${qualified(o.schema, o.table)} VALIDATE CONSTRAINT ${quoteIdent(o.name)}`;
  const addWhole = async (c: PgClient): Promise<void> => {
    await c.query(addConstraint(o, false));
    const comment = commentStatement(o);
    if (comment) await c.query(comment);
  };
  return {
    what: describe(o),
    kind: o.kind,
    statement: addConstraint(o, false),
    run: async (c) => {
      const present = await foreignKeyState(c, o);
      if (present) {
        if (present.validated || sourceNotValid) return "already-present";
        if (!present.referencesPartitioned) {
          await c.query(validate);
          return "validated";
        }
        await inTransaction(c, async () => {
          await c.query(`ALTER TABLE ${qualified(o.schema, o.table)} DROP CONSTRAINT ${quoteIdent(o.name)}`);
          await addWhole(c);
        });
        return "validated";
      }
      const table = await constraintState(c, o);
      if (sourceNotValid || table.partitioned) {
        await addWhole(c);
        return "created";
      }
      const validateLater = await inTransaction(c, async () => {
        await c.query(addConstraint(o, false, " NOT VALID"));
        const state = await foreignKeyState(c, o);
        if (!state?.referencesPartitioned) return true;
        // Replaced, in the same transaction, by the key added whole.
        await c.query(`ALTER TABLE ${qualified(o.schema, o.table)} DROP CONSTRAINT ${quoteIdent(o.name)}`);
        await c.query(addConstraint(o, false));
        return false;
      });
      if (validateLater) await c.query(validate);
      const comment = commentStatement(o);
      if (comment) await c.query(comment);
      return "created";
    },
  };
}

function attachUnit(p: PartitionIndex): RestoreUnit {
  const parent = qualified(p.parent.schema, p.parent.name);
  const child = qualified(p.schema, p.name);
  const statement = `ALTER INDEX ${parent} ATTACH PARTITION ${child}`;
  return {
    what: `attachment of index ${child} to ${parent}`,
    kind: "index",
    statement,
    run: async (c) => {
      const { rows } = await c.query<{ attached: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = to_regclass($2)) AS attached", [child, parent]);
      if (rows[0]?.attached) return "already-present";
      await c.query(statement);
      return "attached";
    },
  };
}

/** Pure: the depth of each partition index below its set-aside parent (1 for a direct partition). */
function depths(partitions: readonly PartitionIndex[]): Map<PartitionIndex, number> {
  const key = (schema: string, name: string): string => `${schema}\u0000${name}`;
  const byKey = new Map(partitions.map((p) => [key(p.schema, p.name), p]));
  const out = new Map<PartitionIndex, number>();
  const depthOf = (p: PartitionIndex, seen: number): number => {
    const parent = byKey.get(key(p.parent.schema, p.parent.name));
    return parent && seen < partitions.length ? 1 + depthOf(parent, seen + 1) : 1;
  };
  for (const p of partitions) out.set(p, depthOf(p, 0));
  return out;
}

/**
 * Pure: the restore of `objects` as units. A partitioned index or constraint recorded with
 * its partitions comes back as on the source: the parent alone (`ON ONLY`, or `ALTER TABLE
 * ONLY … ADD CONSTRAINT`), then each intermediate partition's, each leaf partition's built
 * under its own name, and every one attached to its parent, so all end up valid.
 */
export function planRestore(objects: readonly SetAsideObject[]): RestorePlan {
  const plan: RestorePlan = { parents: [], builds: [], attaches: [], foreignKeys: [] };
  const attaches: { unit: RestoreUnit; depth: number }[] = [];
  for (const o of objects) {
    if (o.kind === "foreign-key") {
      plan.foreignKeys.push(foreignKeyUnit(o));
      continue;
    }
    if (o.partitions === undefined) {
      // A plain table's, or one recorded by an older version: the whole tree at once.
      plan.builds.push(createUnit(o.kind === "index" ? { ...o, definition: wholeTreeIndexDefinition(o.definition) } : o, false));
      continue;
    }
    plan.parents.push(createUnit(o, true));
    const parentKeys = new Set(o.partitions.map((p) => `${p.parent.schema}\u0000${p.parent.name}`));
    const depth = depths(o.partitions);
    for (const p of o.partitions) {
      const child: Target = { kind: o.kind, schema: p.schema, table: p.table, name: p.name, definition: p.definition, comment: p.comment };
      // A partition that is partitioned itself has children of its own: created alone, like the parent.
      (parentKeys.has(`${p.schema}\u0000${p.name}`) ? plan.parents : plan.builds).push(createUnit(child, true));
      attaches.push({ unit: attachUnit(p), depth: depth.get(p) ?? 1 });
    }
  }
  plan.attaches = attaches.sort((a, b) => b.depth - a.depth).map((a) => a.unit);
  return plan;
}
