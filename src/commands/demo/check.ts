/**
 * The demo's proof at the switch: right after the cutover (the source frozen, the target
 * drained, sequences synced) and before the app writes on the target, `validate --checksum`'s
 * comparison of the app's schema — every row's content and the catalogs — must be clean.
 */
import { connectUrl } from "../../adapters/postgres/connect-url.js";
import { type ValidateReport, validateDatabases } from "../../migration/validate/compare.js";
import { APP_SCHEMA } from "./schema.js";

export interface DemoValidation {
  clean: boolean;
  differences: number;
  tables: number;
  /** Rows on the target in the compared tables. */
  rows: number;
  at: string;
  report: ValidateReport;
}

export async function validateAtSwitch(sourceUrl: string, targetUrl: string, signal?: AbortSignal): Promise<DemoValidation> {
  const report = await validateDatabases({
    connectSource: () => connectUrl(sourceUrl),
    connectTarget: () => connectUrl(targetUrl),
    schemas: [APP_SCHEMA],
    checksum: true,
    parity: true,
    ...(signal ? { signal } : {}),
  });
  return {
    clean: report.differences === 0,
    differences: report.differences,
    tables: report.tables.length,
    rows: report.tables.reduce((n, t) => n + Number(t.targetRows ?? 0), 0),
    at: new Date().toISOString(),
    report,
  };
}

/** One line per table that differs. */
export function differenceLines(v: DemoValidation): string[] {
  return v.report.tables.filter((t) => t.status !== "match" && t.status !== "only-on-target").map((t) => `${t.schema}.${t.table}: ${t.status} (source ${t.sourceRows ?? "?"} rows, target ${t.targetRows ?? "?"})`);
}
