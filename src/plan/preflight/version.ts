import { majorOf } from "../pg-version.js";
import type { PreflightCheck } from "./check.js";

/**
 * PostgreSQL majors DMS accepts as a source, with the oldest DMS engine for each
 * (docs/dms-notes.md §1), and the Aurora PostgreSQL majors offered in standard support.
 * The Aurora list is a snapshot: step 3 asks DescribeDBEngineVersions for the real one.
 */
export const DMS_MIN_ENGINE: Readonly<Record<number, string>> = { 13: "3.4.3", 14: "3.4.7", 15: "3.5.1", 16: "3.5.3", 17: "3.6.1" };
export const NEWEST_DMS_SOURCE_MAJOR = 17;
export const AURORA_MAJORS: readonly number[] = [13, 14, 15, 16, 17];

/** The Aurora major to create: the source's own, else the oldest newer one (never older). */
export function matchingAuroraMajor(sourceMajor: number): number | undefined {
  return AURORA_MAJORS.find((m) => m >= sourceMajor);
}

const dmsSource: PreflightCheck = {
  id: "version.dms_source",
  title: "the PostgreSQL version is a supported DMS source",
  run(facts) {
    const major = majorOf(facts.serverVersionNum);
    if (facts.serverVersionNum < 90400) {
      return [
        {
          check: this.id,
          severity: "blocker",
          title: `PostgreSQL ${facts.serverVersion} is too old for DMS (9.4 or later needed)`,
          found: `server_version = ${facts.serverVersion}`,
          fix: "Upgrade the source in place (pg_upgrade) to a supported major, then run the preflight again.",
        },
      ];
    }
    if (major > NEWEST_DMS_SOURCE_MAJOR) {
      return [
        {
          check: this.id,
          severity: "warning",
          title: `PostgreSQL ${major} is newer than the majors DMS lists as sources (up to ${NEWEST_DMS_SOURCE_MAJOR})`,
          found: `server_version = ${facts.serverVersion}`,
          fix: "Check the AWS DMS release notes for support of this major before going on; the DMS task may fail to start.",
        },
      ];
    }
    const engine = DMS_MIN_ENGINE[major];
    return [
      {
        check: this.id,
        severity: "info",
        title: `PostgreSQL ${major} is a supported DMS source${engine ? ` (DMS engine ${engine} or later)` : ""}`,
        found: `server_version = ${facts.serverVersion}`,
      },
    ];
  },
};

const auroraMajor: PreflightCheck = {
  id: "version.aurora_major",
  title: "an Aurora PostgreSQL major at least as new as the source",
  run(facts) {
    const major = majorOf(facts.serverVersionNum);
    const target = matchingAuroraMajor(major);
    if (target === undefined) {
      return [
        {
          check: this.id,
          severity: "warning",
          title: `No Aurora PostgreSQL major ${major} or newer is known to this version of aurora-migrate`,
          found: `source major ${major}; Aurora majors known: ${AURORA_MAJORS.join(", ")}`,
          fix: "Step 3 lists the versions Aurora offers now (DescribeDBEngineVersions); a target older than the source is not supported.",
        },
      ];
    }
    return [
      {
        check: this.id,
        severity: "info",
        title: `Matching Aurora PostgreSQL major: ${target}`,
        found:
          target === major
            ? `source major ${major}; Aurora offers the same major`
            : `source major ${major} is not offered by Aurora; ${target} is the oldest newer one: test your application on PostgreSQL ${target}`,
      },
    ];
  },
};

const primary: PreflightCheck = {
  id: "version.primary",
  title: "the source is a primary, not a standby",
  run(facts) {
    if (!facts.inRecovery) return [];
    return [
      {
        check: this.id,
        severity: "blocker",
        title: "This server is a standby (in recovery): DMS captures changes from the primary",
        found: "pg_is_in_recovery() = true",
        fix: "Run the preflight and the migration against the primary server's address.",
      },
    ];
  },
};

export const versionChecks: readonly PreflightCheck[] = [dmsSource, auroraMajor, primary];
