import type { Finding, Severity } from "../../state/schema.js";
import { accessChecks } from "./access.js";
import { activityChecks } from "./activity.js";
import type { PreflightCheck, PreflightOptions } from "./check.js";
import { columnTypeChecks } from "./column-types.js";
import { extensionChecks } from "./extensions.js";
import type { SourceFacts } from "./facts.js";
import { lobChecks } from "./lobs.js";
import { hbaChecks } from "./pg-hba.js";
import { replicationGapChecks } from "./replication-gaps.js";
import { settingsChecks } from "./settings.js";
import { sizingChecks } from "./sizing.js";
import { tableChecks } from "./tables.js";
import { versionChecks } from "./version.js";

export type { PreflightOptions } from "./check.js";

/** Every check, in the order findings are shown within a severity. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  ...versionChecks,
  ...settingsChecks,
  ...accessChecks,
  ...hbaChecks,
  ...tableChecks,
  ...replicationGapChecks,
  ...columnTypeChecks,
  ...lobChecks,
  ...activityChecks,
  ...extensionChecks,
  ...sizingChecks,
];

export interface PreflightResult {
  findings: Finding[];
  /** Titles of the checks that found nothing at all to report. */
  passed: string[];
  counts: Record<Severity, number>;
}

const ORDER: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

/** Pure: every check run on the facts, findings ordered blockers first. */
export function runPreflight(facts: SourceFacts, options: PreflightOptions = {}, checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS): PreflightResult {
  const findings: Finding[] = [];
  const passed: string[] = [];
  for (const check of checks) {
    const found = check.run(facts, options);
    findings.push(...found);
    // A check with any finding, even a note ("not checked: no --dms-cidr"), is not listed as passed.
    if (!check.informational && found.length === 0) passed.push(check.title);
  }
  findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return { findings, passed, counts };
}
