import type { Finding } from "../../state/schema.js";
import type { CatalogKind, CatalogObject } from "./catalog.js";

export type ParityProblem = "missing-on-target" | "differs" | "only-on-target" | "set-aside";

export interface ParityDifference {
  kind: CatalogKind;
  key: string;
  problem: ParityProblem;
  /** blocker: a missing table, column or primary key; warning: any other difference; info: extra on the target, or set aside. */
  severity: "blocker" | "warning" | "info";
  source?: string;
  target?: string;
}

export interface ParityReport {
  differences: ParityDifference[];
  compared: number;
  blockers: number;
  warnings: number;
}

export interface ParityOptions {
  /** `kind:key` of objects deliberately absent from the target (set aside until the full load is done). */
  setAside?: ReadonlySet<string>;
}

export const catalogId = (o: { kind: CatalogKind; key: string }): string => `${o.kind}:${o.key}`;

function isPrimaryKey(o: CatalogObject): boolean {
  return (o.kind === "constraint" && o.subtype === "p") || (o.kind === "index" && o.subtype === "primary");
}

/**
 * Pure: compares two normalised catalogs. A missing table, column or primary key blocks
 * (DMS would load into the wrong shape, or CDC could not apply updates); other differences
 * warn; objects only on the target are listed for information.
 */
export function compareCatalogs(source: readonly CatalogObject[], target: readonly CatalogObject[], options: ParityOptions = {}): ParityReport {
  const onTarget = new Map(target.map((o) => [catalogId(o), o]));
  const onSource = new Set(source.map(catalogId));
  const differences: ParityDifference[] = [];
  for (const s of source) {
    const id = catalogId(s);
    const t = onTarget.get(id);
    if (!t) {
      if (options.setAside?.has(id)) {
        differences.push({ kind: s.kind, key: s.key, problem: "set-aside", severity: "info", source: s.definition });
        continue;
      }
      const blocking = s.kind === "table" || s.kind === "column" || isPrimaryKey(s);
      differences.push({ kind: s.kind, key: s.key, problem: "missing-on-target", severity: blocking ? "blocker" : "warning", source: s.definition });
    } else if (t.definition !== s.definition) {
      differences.push({ kind: s.kind, key: s.key, problem: "differs", severity: isPrimaryKey(s) ? "blocker" : "warning", source: s.definition, target: t.definition });
    }
  }
  for (const t of target) {
    if (!onSource.has(catalogId(t))) differences.push({ kind: t.kind, key: t.key, problem: "only-on-target", severity: "info", target: t.definition });
  }
  return {
    differences,
    compared: source.length,
    blockers: differences.filter((d) => d.severity === "blocker").length,
    warnings: differences.filter((d) => d.severity === "warning").length,
  };
}

/** One line per difference, for reports and error details. */
export function describeDifference(d: ParityDifference): string {
  switch (d.problem) {
    case "missing-on-target":
      return `${d.kind} ${d.key} is missing on the target (source: ${d.source || "exists"})`;
    case "differs":
      return `${d.kind} ${d.key} differs: source ${d.source} | target ${d.target}`;
    case "only-on-target":
      return `${d.kind} ${d.key} exists only on the target`;
    case "set-aside":
      return `${d.kind} ${d.key} is set aside until the full load is done`;
  }
}

/** Blockers and warnings as step findings (information lines stay out of the state). */
export function parityFindings(report: ParityReport): Finding[] {
  return report.differences
    .filter((d) => d.severity !== "info")
    .map((d) => ({
      check: `parity.${d.kind}`,
      severity: d.severity,
      title: `${d.kind} ${d.key}: ${d.problem === "differs" ? "differs" : "missing on the target"}`,
      found: describeDifference(d),
      fix:
        d.severity === "blocker"
          ? "Load the schema again (re-run the schema load step), or create the object on the target by hand, then resume."
          : "Check whether the difference matters for the app; create or alter the object on the target to match the source.",
    }));
}
