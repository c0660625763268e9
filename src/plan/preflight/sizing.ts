import { adviseInstanceClass } from "../instance-advice.js";
import { formatBytes, readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";
import type { SourceFacts, TableFact } from "./facts.js";
import { largestLob } from "./lobs.js";

/** How many of the largest tables the preflight lists and records (their sizes are measured exactly). */
export const LARGEST_TABLES = 20;

export function largestTables(facts: SourceFacts, count = LARGEST_TABLES): TableFact[] {
  return [...facts.tables].filter((t) => t.kind === "r").sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, count);
}

export function instanceAdviceFor(facts: SourceFacts): ReturnType<typeof adviseInstanceClass> {
  return adviseInstanceClass({
    databaseBytes: facts.databaseSizeBytes,
    largestTableBytes: largestTables(facts, 1)[0]?.sizeBytes ?? 0,
    maxLobBytes: facts.dataScan.status === "done" ? largestLob(facts.dataScan.lobMaxima) : 0,
  });
}

const sizing: PreflightCheck = {
  id: "sizing.instance",
  title: "database size and replication instance advice",
  informational: true,
  run(facts) {
    const advice = instanceAdviceFor(facts);
    const top = largestTables(facts, 5);
    return [
      {
        check: this.id,
        severity: "info",
        title: `Database ${formatBytes(facts.databaseSizeBytes)} in ${facts.tables.length} table(s); suggested replication instance: ${advice.instanceClass}`,
        found: (top.length ? `largest tables:\n${listSome(top, (t) => `${readableName(t.schema, t.name)}: ${formatBytes(t.sizeBytes)}, ~${Math.round(t.rowEstimate)} rows`)}\n` : "") + `why: ${advice.reason}`,
      },
    ];
  },
};

export const sizingChecks: readonly PreflightCheck[] = [sizing];
