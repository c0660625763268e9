import type { PgClient } from "../../adapters/postgres/connect.js";
import { type DriftReport, compareDrift, matchesOn } from "../../plan/schema-drift.js";
import { type OutputPlace, readOutput } from "../outputs/read.js";
import { driftFingerprint, readDriftCatalog } from "./drift-catalog.js";

/**
 * The DDL drift guard: the source's catalog now against the one the schema load recorded.
 * With the target given, a change the target already matches (the user applied it there) no
 * longer counts. Undefined when nothing was recorded (a state from before the guard, or step
 * 7 not done yet).
 */
export async function checkSchemaDrift(place: OutputPlace, source: PgClient, target?: PgClient): Promise<DriftReport | undefined> {
  const loaded = readOutput(place, "schema-load");
  if (!loaded?.drift) return undefined;
  const now = await readDriftCatalog(source, loaded.schemas);
  if (driftFingerprint(now) === loaded.drift.fingerprint) return { differences: [], compared: now.length };
  const report = compareDrift(loaded.drift.objects, now);
  if (!target || report.differences.length === 0) return report;
  const onTarget = await readDriftCatalog(target, loaded.schemas);
  return { ...report, differences: report.differences.filter((d) => !matchesOn(d, onTarget)) };
}
