import { formatBytes, readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";
import type { DeferrableConstraintFact, TableFact } from "./facts.js";

/**
 * What DMS copies once and then loses track of, or never copies: each finding names the
 * objects and the statement that fixes them.
 *
 * Sources:
 * - Unlogged tables: Aurora User Guide, "Working with unlogged tables in Aurora PostgreSQL"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-postgresql-unlogged-tables.html):
 *   unlogged tables are not written to the WAL, so logical replication does not carry them;
 *   `ALTER TABLE … SET LOGGED` rewrites the whole table under an exclusive lock.
 * - Partitioned tables: DMS User Guide, "Using a PostgreSQL database as an AWS DMS source"
 *   (CHAP_Source.PostgreSQL, PostgreSQL to PostgreSQL): select the partitions, not the parent,
 *   or rows are duplicated; docs/dms-notes.md §4 and §11: partition ADD/DROP/TRUNCATE
 *   is not replicated.
 * - Deferred constraints: docs/dms-notes.md §4 ("Deferred constraints … are not supported").
 * - Large objects: CHAP_Source.PostgreSQL limitations: "The OID LOB data type isn't migrated to
 *   the target."
 * - TRUNCATE: CHAP_Source.PostgreSQL limitations: "AWS DMS doesn't support change processing of
 *   TRUNCATE operations."
 */

const name = (t: TableFact): string => readableName(t.schema, t.name);

const unlogged: PreflightCheck = {
  id: "tables.unlogged",
  title: "no UNLOGGED tables",
  run(facts) {
    const tables = facts.tables.filter((t) => t.kind === "r" && t.unlogged);
    if (tables.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "blocker",
        title: `${tables.length} UNLOGGED table(s): DMS copies them once and then never sees a change (logical decoding reads only the WAL, which they bypass)`,
        found: listSome(tables, (t) => `${name(t)} (${formatBytes(t.sizeBytes)}, about ${Math.round(t.rowEstimate)} row(s))`),
        fix:
          "Make each one logged before the migration starts (this rewrites the whole table into the WAL, under an exclusive lock: pick a quiet moment):\n" +
          listSome(tables, (t) => `ALTER TABLE ${name(t)} SET LOGGED;`) +
          "\nor, if its rows need not travel (scratch or cache data), leave it out of the migration: move it to a schema you do not migrate, or drop it.",
      },
    ];
  },
};

const partitioned: PreflightCheck = {
  id: "tables.partitioned",
  title: "partitioned tables",
  informational: true,
  run(facts) {
    const roots = facts.tables.filter((t) => t.kind === "p" && !t.isPartition);
    if (roots.length === 0) return [];
    const treeOf = (root: TableFact): TableFact[] =>
      facts.tables.filter((t) => t.partitionOf?.rootSchema === root.schema && t.partitionOf.rootName === root.name);
    const describe = (root: TableFact): string => {
      const tree = treeOf(root);
      const leaves = tree.filter((t) => t.kind === "r").length;
      const levels = Math.max(1, ...tree.map((t) => t.partitionOf?.level ?? 1));
      return `${name(root)} ${root.partitionKey ?? ""}: ${leaves} leaf partition(s)${levels > 1 ? ` in ${levels} levels` : ""}`;
    };
    return [
      {
        check: this.id,
        severity: "info",
        title: `${roots.length} partitioned table(s): DMS loads their leaf partitions; the partitioned parents are excluded from the task`,
        found: listSome(roots, describe),
        fix:
          "Nothing to change before the migration: the task's table mappings select every leaf partition and exclude each partitioned parent by an explicit rule " +
          "(selecting a parent too would load its rows twice); the schema load re-creates the partition tree and its keys and indexes on the target.\n" +
          "DMS does not replicate partition changes (CREATE/ATTACH/DETACH/DROP/TRUNCATE of a partition): do not change the partition layout until the cutover is done, " +
          "and create the partitions the coming rows need (e.g. next month's) before the migration starts.",
      },
    ];
  },
};

const KIND: Readonly<Record<string, string>> = { p: "PRIMARY KEY", u: "UNIQUE", x: "EXCLUDE", f: "FOREIGN KEY", t: "constraint trigger" };

/** The same constraint, checked row by row: re-created without its DEFERRABLE clause. */
function immediateFix(t: TableFact, k: DeferrableConstraintFact): string {
  if (k.type === "f") return `ALTER TABLE ${name(t)} ALTER CONSTRAINT ${readableName(k.name)} NOT DEFERRABLE;`;
  if (k.type === "t") return `-- ${name(t)}: re-create constraint trigger ${readableName(k.name)} without DEFERRABLE`;
  const definition = k.definition.replace(/\s+(NOT\s+)?DEFERRABLE(\s+INITIALLY\s+(DEFERRED|IMMEDIATE))?\s*$/i, "");
  return `ALTER TABLE ${name(t)} DROP CONSTRAINT ${readableName(k.name)}, ADD CONSTRAINT ${readableName(k.name)} ${definition};`;
}

const deferrable: PreflightCheck = {
  id: "tables.deferrable_constraints",
  title: "no deferrable constraints",
  run(facts) {
    const hits = facts.tables.flatMap((t) => t.deferrableConstraints.map((k) => ({ t, k })));
    if (hits.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${hits.length} deferrable constraint(s): DMS does not support deferred constraints`,
        found: listSome(
          hits,
          ({ t, k }) => `${name(t)}: ${KIND[k.type] ?? k.type} ${readableName(k.name)} (DEFERRABLE INITIALLY ${k.initiallyDeferred ? "DEFERRED" : "IMMEDIATE"})`,
        ),
        fix:
          "DMS applies each captured row change as a statement of its own. A source transaction that needs the check deferred " +
          "(swapping two unique values, renumbering positions) can then fail on the target with a unique or exclusion violation and stop that table; " +
          "foreign keys are not checked while DMS applies changes. If the application does not rely on the deferral, make the constraints immediate " +
          "(a UNIQUE or PRIMARY KEY constraint that foreign keys reference has to be re-created with them):\n" +
          listSome(hits, ({ t, k }) => immediateFix(t, k)) +
          "\notherwise keep such transactions out of the migration window, and compare the tables afterwards (aurora-migrate validate --checksum).",
      },
    ];
  },
};

const largeObjects: PreflightCheck = {
  id: "tables.large_objects",
  title: "no large objects (oid / lo columns)",
  run(facts) {
    const columns = facts.tables
      .filter((t) => t.kind === "r")
      .flatMap((t) => t.columns.filter((c) => c.baseType === "oid" && !c.isArray).map((c) => ({ t, c })));
    if (columns.length === 0 && facts.largeObjectCount === 0) return [];
    const found = [
      ...(facts.largeObjectCount > 0 ? [`${facts.largeObjectCount} large object(s) in ${readableName(facts.database)} (pg_largeobject)`] : []),
      ...columns.map(({ t, c }) => `${name(t)}.${readableName(c.name)} (${c.type})`),
    ];
    return [
      {
        check: this.id,
        severity: "warning",
        title: "DMS does not migrate large objects: oid/lo columns arrive as numbers pointing at large objects the target does not have",
        found: listSome(found, (line) => line),
        fix:
          "Keep the bytes in a column DMS carries, and have the application use it:\n" +
          (columns.length
            ? listSome(columns, ({ t, c }) => `ALTER TABLE ${name(t)} ADD COLUMN ${readableName(`${c.name}_bytes`)} bytea; UPDATE ${name(t)} SET ${readableName(`${c.name}_bytes`)} = lo_get(${readableName(c.name)});`)
            : "ALTER TABLE <table> ADD COLUMN <column>_bytes bytea; UPDATE <table> SET <column>_bytes = lo_get(<oid column>);") +
          "\nor copy the large objects yourself once writes have stopped (pg_dump -b includes them, with their OIDs).",
      },
    ];
  },
};

const truncate: PreflightCheck = {
  id: "tables.truncate",
  title: "TRUNCATE is not replicated",
  informational: true,
  run(facts) {
    if (!facts.tables.some((t) => t.kind === "r")) return [];
    return [
      {
        check: this.id,
        severity: "info",
        title: "DMS does not replicate TRUNCATE: a table truncated on the source during the migration keeps its rows on the target",
        found: `${facts.tables.filter((t) => t.kind === "r").length} table(s) in ${facts.chosenSchemas.map((s) => readableName(s)).join(", ")}`,
        fix: "Use DELETE instead of TRUNCATE until the cutover is done (jobs that empty staging tables included), or repeat the TRUNCATE on the target after the cutover.",
      },
    ];
  },
};

export const replicationGapChecks: readonly PreflightCheck[] = [unlogged, partitioned, deferrable, largeObjects, truncate];
