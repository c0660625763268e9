import type { Finding } from "../../state/schema.js";
import type { SourceFacts } from "./facts.js";

/** What the checks know besides the facts. */
export interface PreflightOptions {
  /** Address range of the DMS replication instance (`--dms-cidr`), already validated. */
  dmsCidr?: string;
  /**
   * The wizard's step 2: the replication instance does not exist yet (step 4 creates it), so
   * without an address the pg_hba fix points there instead of to --dms-cidr.
   */
  addressLater?: boolean;
}

/** One check: a pure function of the facts. Its findings' `check` ids start with its id. */
export interface PreflightCheck {
  /** e.g. "settings.wal_level". */
  id: string;
  /** What it verifies, for the "passed" list. */
  title: string;
  run(facts: SourceFacts, options: PreflightOptions): Finding[];
  /** Only reports (sizes, lists): never counted as a passed check. */
  informational?: boolean;
}

/** At most `max` items, then "and N more": long lists stay readable. */
export function listSome<T>(items: readonly T[], show: (item: T) => string, max = 10): string {
  const shown = items.slice(0, max).map(show);
  const rest = items.length - shown.length;
  return shown.join("\n") + (rest > 0 ? `\n… and ${rest} more` : "");
}

/** The fix for a postgresql.conf setting, with the reload or restart it needs. */
export function settingFix(name: string, value: string, context: string | undefined): { fix: string; restartNeeded: boolean } {
  const restartNeeded = context === "postmaster";
  const quoted = /^-?\d+$/.test(value) ? value : `'${value}'`;
  const apply = restartNeeded
    ? "then restart PostgreSQL (e.g. sudo systemctl restart postgresql): this setting is read only at start"
    : "then reload the configuration: SELECT pg_reload_conf();";
  return {
    fix: `ALTER SYSTEM SET ${name} = ${quoted};\n(or in postgresql.conf: ${name} = ${quoted})\n${apply}`,
    restartNeeded,
  };
}
