import { formatBytes, readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";
import type { LobMaxFact } from "./facts.js";

/**
 * The largest LOB values decide the task's LOB settings (docs/dms-notes.md §8): in
 * limited LOB mode anything above LobMaxSize is truncated with only a log warning.
 */

/** AWS's recommended ceiling for LobMaxSize in limited LOB mode (100 MB). */
export const LIMITED_LOB_MAX_KB = 102_400;

export function largestLob(lobs: readonly LobMaxFact[]): number {
  return lobs.reduce((m, l) => Math.max(m, l.maxBytes), 0);
}

const largest: PreflightCheck = {
  id: "lobs.largest",
  title: "LOB values fit limited LOB mode",
  run(facts) {
    const scan = facts.dataScan;
    if (scan.status === "failed") {
      return [
        {
          check: "lobs.scan_failed",
          severity: "warning",
          title: "Could not measure the largest LOB values",
          found: `the data scan stopped: ${scan.reason}`,
          fix: "Run check-source at a quieter time, or plan for full LOB mode (slower, never truncates).",
        },
      ];
    }
    if (scan.status !== "done" || scan.lobMaxima.length === 0) return [];
    const sorted = [...scan.lobMaxima].sort((a, b) => b.maxBytes - a.maxBytes);
    const max = sorted[0]!.maxBytes;
    const kb = Math.max(1, Math.ceil(max / 1024));
    const list = listSome(sorted, (l) => `${readableName(l.schema, l.table, l.column)} (${l.type}): ${formatBytes(l.maxBytes)}`);
    if (kb > LIMITED_LOB_MAX_KB) {
      return [
        {
          check: this.id,
          severity: "warning",
          title: `The largest LOB value is ${formatBytes(max)}, above the 100 MB limited LOB mode is meant for`,
          found: list,
          fix: "The DMS task will need full LOB mode (FullLobMode, slower); the task step chooses it from these sizes.",
        },
      ];
    }
    return [
      {
        check: this.id,
        severity: "info",
        title: `Largest LOB value: ${formatBytes(max)} (in ${scan.lobMaxima.length} LOB-type column(s))`,
        found: list,
        fix: `The DMS task will use limited LOB mode with LobMaxSize = ${kb} KB or more, so no value is truncated.`,
      },
    ];
  },
};

export const lobChecks: readonly PreflightCheck[] = [largest];
