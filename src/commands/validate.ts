import { connectUrl } from "../adapters/postgres/connect-url.js";
import { resolveSchemas } from "../adapters/postgres/schemas.js";
import { BlockedError, UsageError } from "../core/errors.js";
import type { GlobalOptions } from "../migration/context.js";
import { IGNORED_SCHEMAS } from "../migration/schema/catalog.js";
import { printParity } from "../migration/schema/parity-print.js";
import { type Reporter, failingSpinner } from "../ui/reporter.js";
import { type TableComparison, type ValidateReport, validateDatabases } from "../migration/validate/compare.js";
import type { ObjectCheck } from "../migration/validate/object-compare.js";
import { requireUrls } from "./sync-sequences.js";

export interface ValidateCommandOptions {
  source?: string;
  target?: string;
  schemas?: string;
  checksum: boolean;
  /** Tables compared at once; default 4. */
  jobs?: number;
  /** False with --no-parity. */
  parity?: boolean;
}

const LABEL: Record<TableComparison["status"], string> = {
  match: "match",
  "rows-differ": "ROW COUNTS DIFFER",
  "checksum-differs": "CONTENT DIFFERS",
  "missing-on-target": "MISSING ON TARGET",
  "columns-differ": "COLUMNS DIFFER",
  "only-on-target": "only on target",
};

const CHECK_LABEL: Record<ObjectCheck, string> = {
  "index-validity": "index",
  "index-attachment": "index attachment",
  "partition-attachment": "partition",
  "matview-population": "materialized view",
  "sequence-position": "sequence",
  persistence: "logged/unlogged",
};

function printReport(r: ValidateReport, reporter: Reporter): void {
  const c = reporter.color;
  reporter.heading(`Tables (${r.checksum ? "row counts and checksums" : "row counts"})`);
  for (const t of r.tables) {
    const bad = t.status !== "match" && t.status !== "only-on-target";
    const rows = t.sourceRows === undefined ? "" : `  source ${t.sourceRows} rows, target ${t.targetRows} rows`;
    const line = `  ${bad ? "✖" : "✔"} ${`${t.schema}.${t.table}`.padEnd(40)} ${LABEL[t.status].padEnd(18)}${rows}${t.columnNote ? `  (${t.columnNote})` : ""}`;
    reporter.info(bad ? c.red(line) : t.status === "only-on-target" ? c.dim(line) : line);
  }
  if (r.parity) {
    reporter.heading(`Catalog parity (${r.parity.compared} objects)`);
    if (r.parity.blockers + r.parity.warnings === 0) reporter.success("Catalogs match.");
    printParity(r.parity, reporter);
  }
  if (r.objects) {
    const n = r.objects.compared;
    reporter.heading(`Object states (${n.indexes} indexes, ${n.relations} tables, views and sequences)`);
    if (r.objects.differences.length === 0) reporter.success("Indexes valid and attached, partitions attached, materialized views populated, sequences at or past the source, logged alike.");
    for (const d of r.objects.differences) {
      reporter.error(`${CHECK_LABEL[d.check]} ${d.object}: source ${d.source} | target ${d.target}`);
      reporter.info(c.dim(`    fix: ${d.fix}`));
    }
  }
}

/** `aurora-migrate validate`: exits 3 (BlockedError) on any difference. */
export async function runValidate(g: GlobalOptions, o: ValidateCommandOptions, reporter: Reporter, signal?: AbortSignal): Promise<void> {
  const urls = requireUrls(o, "validate");
  const jobs = o.jobs === undefined ? 4 : Number(o.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64, got ${o.jobs}.`);
  let schemas: string[];
  const probe = await connectUrl(urls.source);
  try {
    // The tool's and the stand-in's own schemas are never compared, so naming one is no mistake.
    schemas = await resolveSchemas(probe, o.schemas, IGNORED_SCHEMAS);
  } finally {
    await probe.end();
  }
  // Connect to the target once up front, so a bad target URL fails before any work starts.
  await (await connectUrl(urls.target)).end();
  const spinner = reporter.spinner(`Comparing tables in ${schemas.join(", ")}`);
  const report: ValidateReport = await failingSpinner(spinner, () =>
    validateDatabases({
      connectSource: () => connectUrl(urls.source),
      connectTarget: () => connectUrl(urls.target),
      schemas,
      checksum: o.checksum,
      jobs,
      parity: o.parity !== false,
      objects: true,
      ...(signal ? { signal } : {}),
      onProgress: (done, total, last) => spinner.update(`Compared ${done}/${total} tables (last: ${last.schema}.${last.table}, ${LABEL[last.status]})`),
    }),
  );
  spinner.stop();
  if (reporter.jsonMode) reporter.json(report);
  printReport(report, reporter);
  if (g.verbose) reporter.detail(`Schemas: ${schemas.join(", ")}`);
  if (report.differences > 0) {
    throw new BlockedError(`Source and target differ: ${report.differences} difference(s).`, {
      hint: "The lines above name each table or object, with a fix for each object state. While DMS is still applying changes, counts on busy tables can lag and sequences stay behind until the cutover's final sync: run validate again once the task is in sync (or after the cutover).",
    });
  }
  reporter.success(`Source and target match: ${report.tables.filter((t) => t.status === "match").length} table(s)${report.checksum ? ", contents included" : ""}${report.parity ? ", catalogs included" : ""}${report.objects ? ", object states included" : ""}.`);
}
