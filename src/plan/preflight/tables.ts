import { readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";
import type { TableFact } from "./facts.js";
import { isLobColumn } from "./lob-types.js";

/**
 * Table-level limits of DMS (docs/dms-notes.md §4, §9, §12): row identity for
 * UPDATE/DELETE, ARRAY columns, LOB primary keys, names that differ only by case.
 */

const name = (t: TableFact): string => readableName(t.schema, t.name);
/** Partitioned parents hold no rows; their partitions are checked as tables. */
const dataTables = (tables: readonly TableFact[]): TableFact[] => tables.filter((t) => t.kind === "r");

/** The fix lines for tables without a key; a partition's key belongs on the top of its tree. */
function primaryKeyFixes(tables: readonly TableFact[], all: readonly TableFact[]): string[] {
  const plain = tables.filter((t) => !t.partitionOf);
  const lines = plain.map((t) => `ALTER TABLE ${name(t)} ADD PRIMARY KEY (<column>);   -- or: ALTER TABLE ${name(t)} REPLICA IDENTITY FULL;`);
  const roots = new Map<string, TableFact[]>();
  for (const t of tables) {
    if (!t.partitionOf) continue;
    const root = readableName(t.partitionOf.rootSchema, t.partitionOf.rootName);
    roots.set(root, [...(roots.get(root) ?? []), t]);
  }
  for (const [root, leaves] of roots) {
    const rootFact = all.find((t) => readableName(t.schema, t.name) === root);
    const key = rootFact?.partitionKey ? ` (partition key: ${rootFact.partitionKey})` : "";
    // A key on a partitioned table must contain the partition key columns, and reaches every partition.
    lines.push(`ALTER TABLE ${root} ADD PRIMARY KEY (<column>, <partition key column(s)>);   -- on the partitioned table${key}: every partition gets it`);
    lines.push(...leaves.map((t) => `-- or, partition by partition: ALTER TABLE ${name(t)} REPLICA IDENTITY FULL;`));
  }
  return lines;
}

const noPrimaryKey: PreflightCheck = {
  id: "tables.no_primary_key",
  title: "every table has a primary key (or REPLICA IDENTITY FULL)",
  run(facts) {
    const tables = dataTables(facts.tables).filter((t) => !t.hasPrimaryKey && t.replicaIdentity !== "f");
    if (tables.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${tables.length} table(s) without a primary key: DMS copies them but does not capture their UPDATEs and DELETEs`,
        found: listSome(tables, (t) => (t.partitionOf ? `${name(t)} (partition of ${readableName(t.partitionOf.parentSchema, t.partitionOf.parentName)})` : name(t))),
        fix:
          "Add a primary key on the column(s) that identify a row, or, if none do, log whole rows (more WAL):\n" +
          listSome(primaryKeyFixes(tables, facts.tables), (line) => line, 20),
      },
    ];
  },
};

/**
 * A key that exists but never reaches the WAL: REPLICA IDENTITY NOTHING logs no old key at all,
 * and PostgreSQL does not use a DEFERRABLE primary key as replica identity (ALTER TABLE docs:
 * the identity index must not be deferrable), so a DELETE is decoded without any key.
 */
const replicaIdentity: PreflightCheck = {
  id: "tables.replica_identity",
  title: "every primary key is the table's replica identity",
  run(facts) {
    const tables = dataTables(facts.tables).filter(
      (t) => t.hasPrimaryKey && (t.replicaIdentity === "n" || (t.replicaIdentity === "d" && t.primaryKeyDeferrable)),
    );
    if (tables.length === 0) return [];
    const why = (t: TableFact): string => (t.replicaIdentity === "n" ? "REPLICA IDENTITY NOTHING" : "its primary key is DEFERRABLE");
    const fix = (t: TableFact): string =>
      t.replicaIdentity === "n" && !t.primaryKeyDeferrable
        ? `ALTER TABLE ${name(t)} REPLICA IDENTITY DEFAULT;`
        : `ALTER TABLE ${name(t)} REPLICA IDENTITY FULL;   -- or re-create the primary key without DEFERRABLE`;
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${tables.length} table(s) whose primary key is not written to the WAL: DMS cannot apply their UPDATEs and DELETEs`,
        found: listSome(tables, (t) => `${name(t)}: ${why(t)}`),
        fix: listSome(tables, fix),
      },
    ];
  },
};

const lobPrimaryKey: PreflightCheck = {
  id: "tables.lob_primary_key",
  title: "no primary key column has a LOB type",
  run(facts) {
    const hits = dataTables(facts.tables).flatMap((t) => t.columns.filter((c) => c.inPrimaryKey && isLobColumn(c)).map((c) => ({ t, c })));
    if (hits.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${hits.length} primary key column(s) of a type DMS handles as a LOB: DMS cannot use them to find rows`,
        found: listSome(hits, ({ t, c }) => `${name(t)}.${readableName(c.name)} (${c.type})`),
        fix:
          "Give the key a bounded type (pick a length that fits the data), or key the table on another column:\n" +
          listSome(hits, ({ t, c }) => `ALTER TABLE ${name(t)} ALTER COLUMN ${readableName(c.name)} TYPE varchar(255);`),
      },
    ];
  },
};

const arrayWithoutPk: PreflightCheck = {
  id: "tables.array_without_pk",
  title: "tables with ARRAY columns have a primary key",
  run(facts) {
    const tables = dataTables(facts.tables).filter((t) => !t.hasPrimaryKey && t.columns.some((c) => c.isArray));
    if (tables.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "blocker",
        title: `${tables.length} table(s) with an ARRAY column and no primary key: DMS suspends them during the full load`,
        found: listSome(tables, (t) => `${name(t)} (${t.columns.filter((c) => c.isArray).map((c) => readableName(c.name)).join(", ")})`),
        fix: listSome(tables, (t) => `ALTER TABLE ${name(t)} ADD PRIMARY KEY (<column>);`),
      },
    ];
  },
};

/** Groups of names equal when lower-cased (t1, T1); labels are made only for the groups found. */
function collisions<T>(items: readonly T[], key: (x: T) => string, label: (x: T) => string): string[][] {
  if (items.length < 2) return [];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item).toLowerCase();
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()].filter((g) => g.length > 1).map((g) => g.map(label));
}

const caseCollision: PreflightCheck = {
  id: "tables.case_collision",
  title: "no names that differ only by case",
  run(facts) {
    const groups = [
      ...collisions(facts.chosenSchemas, (s) => s, (s) => `schema ${readableName(s)}`),
      ...collisions(facts.tables, (t) => `${t.schema}\u0000${t.name}`, (t) => `table ${name(t)}`),
      ...facts.tables.flatMap((t) => collisions(t.columns, (c) => c.name, (c) => `column ${name(t)}.${readableName(c.name)}`)),
    ];
    if (groups.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "blocker",
        title: `${groups.length} set(s) of names that differ only by case: DMS does not support them`,
        found: listSome(groups, (g) => g.join(" / ")),
        fix: 'Rename one of each pair (and the code that uses it), e.g. ALTER TABLE public."T1" RENAME TO t1_legacy;\nor leave one of them out of the migration.',
      },
    ];
  },
};

export const tableChecks: readonly PreflightCheck[] = [noPrimaryKey, replicaIdentity, lobPrimaryKey, arrayWithoutPk, caseCollision];
