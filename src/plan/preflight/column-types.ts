import { readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";
import type { ColumnFact, SourceFacts, TableFact } from "./facts.js";

/**
 * Column types DMS does not carry faithfully between PostgreSQL servers
 * (docs/dms-notes.md §10). The schema is loaded by the wizard itself, so the
 * target column keeps its type; what can go wrong is the value on its way through DMS.
 */

interface Hit {
  t: TableFact;
  c: ColumnFact;
}

function columns(facts: SourceFacts, pick: (c: ColumnFact) => boolean): Hit[] {
  return facts.tables.filter((t) => t.kind === "r").flatMap((t) => t.columns.filter(pick).map((c) => ({ t, c })));
}

const show = ({ t, c }: Hit): string => `${readableName(t.schema, t.name, c.name)} (${c.type})`;

const NOT_CLEAN_BASE = new Set(["inet", "cidr", "macaddr", "macaddr8"]);
const NOT_CLEAN_KIND: Readonly<Record<string, string>> = { e: "enum", r: "range", m: "multirange", c: "composite" };
const PARTIAL = new Set(["timestamptz", "timetz", "interval"]);

const unconstrainedNumeric: PreflightCheck = {
  id: "types.numeric_unconstrained",
  title: "numeric columns declare a precision",
  run(facts) {
    const hits = columns(facts, (c) => c.baseType === "numeric" && c.numericPrecision === null);
    if (hits.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "info",
        title: `${hits.length} numeric column(s) without a declared precision: DMS engines up to 3.4.2 round them to NUMERIC(28,6)`,
        found: listSome(hits, show),
        fix: "Use a DMS engine newer than 3.4.2 (the wizard does), or declare the precision, e.g. ALTER TABLE … ALTER COLUMN … TYPE numeric(20,6);",
      },
    ];
  },
};

const highPrecisionNumeric: PreflightCheck = {
  id: "types.numeric_precision",
  title: "numeric precision within 38 digits",
  run(facts) {
    const hits = columns(facts, (c) => c.baseType === "numeric" && (c.numericPrecision ?? 0) > 38);
    if (hits.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${hits.length} numeric column(s) with more than 38 digits: DMS carries them as strings`,
        found: listSome(hits, show),
        fix: "After the full load, compare a few values on source and target (aurora-migrate validate --checksum); reduce the precision if the data allows.",
      },
    ];
  },
};

const notClean: PreflightCheck = {
  id: "types.not_faithful",
  title: "no enum, network, range or composite columns",
  run(facts) {
    const hits = columns(facts, (c) => NOT_CLEAN_BASE.has(c.baseType) || c.baseTypeKind in NOT_CLEAN_KIND);
    if (hits.length === 0) return [];
    const kindOf = (c: ColumnFact): string => NOT_CLEAN_KIND[c.baseTypeKind] ?? c.baseType;
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${hits.length} column(s) of types AWS lists as not migrating cleanly (enum, inet, macaddr, range, composite)`,
        found: listSome(hits, (h) => `${show(h)}: ${kindOf(h.c)}`),
        fix: "The wizard creates these columns with their own types before DMS loads them; after the full load, check their values with aurora-migrate validate --checksum.",
      },
    ];
  },
};

const partial: PreflightCheck = {
  id: "types.partial",
  title: "no timestamptz/timetz/interval columns (partially migrated)",
  run(facts) {
    const hits = columns(facts, (c) => PARTIAL.has(c.baseType));
    if (hits.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "info",
        title: `${hits.length} column(s) of types DMS migrates only partially (timestamptz, timetz, interval)`,
        found: listSome(hits, show),
        fix: "Keep the source's TimeZone on the target, and compare values after the full load (aurora-migrate validate --checksum).",
      },
    ];
  },
};

const infinity: PreflightCheck = {
  id: "types.infinity",
  title: "no ±infinity dates or timestamps",
  run(facts) {
    if (facts.dataScan.status !== "done" || facts.dataScan.infinities.length === 0) return [];
    const hits = facts.dataScan.infinities;
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${hits.length} column(s) hold infinity or -infinity: DMS turns them into 9999-12-31 23:59:59 and 4713-01-01 BC`,
        found: listSome(hits, (h) => `${readableName(h.schema, h.table, h.column)} (${h.type})`),
        fix: "Replace them with NULL or a sentinel date your application understands before migrating, or fix them on the target after the full load.",
      },
    ];
  },
};

export const columnTypeChecks: readonly PreflightCheck[] = [unconstrainedNumeric, highPrecisionNumeric, notClean, partial, infinity];
