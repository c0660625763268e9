import { connectPg } from "../adapters/postgres/connect.js";
import { type GatheredFacts, gatherSourceFacts } from "../adapters/postgres/source-facts/index.js";
import type { QueryKind } from "../adapters/postgres/source-facts/counting-client.js";
import { describeLocation, parsePgUrl } from "../adapters/postgres/url.js";
import { BlockedError, UsageError } from "../core/errors.js";
import { checkDmsCidr } from "../plan/preflight/dms-cidr.js";
import { type PreflightResult, runPreflight } from "../plan/preflight/index.js";
import type { Finding } from "../state/schema.js";
import { type SourcePreflightOutput, buildSourcePreflightOutput } from "../migration/outputs/source-preflight.js";
import { preflightSummary, printPreflight } from "../ui/findings-report.js";
import type { Reporter } from "../ui/reporter.js";

export interface CheckSourceOptions {
  /** Source URL as typed (may carry a password; never printed unredacted). */
  url: string;
  dmsCidr?: string;
  /** Comma-separated list from --schemas; default every non-system schema with tables. */
  schemas?: string;
  /** Bound of the data scan (LOB sizes), ms. Default 60 s. */
  dataScanTimeoutMs?: number;
}

/** What `check-source --json` prints: findings and a summary of the facts, never a secret. */
export interface CheckSourceReport {
  source: string;
  serverVersion: string;
  login: { name: string; superuser: boolean; replication: boolean };
  summary: string;
  counts: PreflightResult["counts"];
  findings: Finding[];
  passed: string[];
  /** Same shape the wizard records for later steps. */
  facts: SourcePreflightOutput & {
    settings: Record<string, string>;
    replicationSlots: { name: string; active: boolean; retainedBytes: number | null }[];
    extensions: string[];
    couldNotSee: { what: string; why: string }[];
  };
  /** Real round trips: catalog reads (fixed in number) and data scans. */
  queries: Record<QueryKind, number>;
}

function parseSchemas(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError("--schemas is empty.", { hint: "Give a comma-separated list, e.g. --schemas public,billing." });
  return list;
}

export function reportOf(location: string, gathered: GatheredFacts, result: PreflightResult, dmsCidr: string | undefined): CheckSourceReport {
  const { facts } = gathered;
  const settings: Record<string, string> = {};
  for (const [name, s] of Object.entries(facts.settings)) settings[name] = s.unit && s.unit !== "8kB" ? `${s.setting} ${s.unit}` : s.setting;
  return {
    source: location,
    serverVersion: facts.serverVersion,
    login: { name: facts.login.name, superuser: facts.login.superuser, replication: facts.login.replication },
    summary: preflightSummary(result),
    counts: result.counts,
    findings: result.findings,
    passed: result.passed,
    facts: {
      ...buildSourcePreflightOutput(facts, dmsCidr),
      settings,
      replicationSlots: facts.slots.map((s) => ({ name: s.name, active: s.active, retainedBytes: s.retainedBytes })),
      extensions: facts.extensions.map((e) => `${e.name} ${e.version}`),
      couldNotSee: facts.blindSpots.map((b) => ({ what: b.what, why: b.why })),
    },
    queries: gathered.queries,
  };
}

/**
 * `aurora-migrate check-source <url>`: the source preflight alone. Prints every finding with its
 * fix (or the JSON report) and throws a BlockedError (exit 3) when anything blocks.
 */
export async function checkSource(options: CheckSourceOptions, reporter: Reporter): Promise<CheckSourceReport> {
  const { location, password } = parsePgUrl(options.url);
  let dmsCidr: string | undefined;
  if (options.dmsCidr !== undefined) {
    const checked = checkDmsCidr(options.dmsCidr);
    if ("problem" in checked) throw new UsageError(`--dms-cidr: ${checked.problem}.`, { hint: "Pass the replication instance's private address, e.g. --dms-cidr 10.0.12.34/32." });
    dmsCidr = checked.cidr;
  }
  const schemas = parseSchemas(options.schemas);
  const where = describeLocation(location);
  const spinner = reporter.spinner(`Checking ${where}`);
  let gathered: GatheredFacts;
  try {
    const client = await connectPg(location, password);
    try {
      gathered = await gatherSourceFacts(client, {
        ...(schemas ? { schemas } : {}),
        // The data scan reads on sessions of its own while this one reads the catalog.
        openSession: () => connectPg(location, password),
        ...(options.dataScanTimeoutMs ? { dataScanTimeoutMs: options.dataScanTimeoutMs } : {}),
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (err) {
    spinner.fail(`Could not check ${where}`);
    throw err;
  }
  const { facts } = gathered;
  const unknown = (schemas ?? []).filter((s) => !facts.schemas.some((k) => k.name === s));
  if (unknown.length) {
    spinner.fail(`Could not check ${where}`);
    throw new UsageError(`--schemas names schema(s) that ${facts.database} does not have: ${unknown.join(", ")}.`, {
      hint: `Its schemas: ${facts.schemas.map((s) => s.name).join(", ") || "(none besides the system ones)"}.`,
    });
  }
  spinner.succeed(`Checked ${where} (PostgreSQL ${facts.serverVersion}, schemas ${facts.chosenSchemas.join(", ") || "none"})`);
  const result = runPreflight(facts, dmsCidr ? { dmsCidr } : {});
  const report = reportOf(where, gathered, result, dmsCidr);
  // Under --json the report is the envelope's result, and the findings still reach the person on stderr.
  reporter.json(report);
  printPreflight(reporter, result);
  reporter.info("");
  reporter.info(`${report.summary} (${gathered.queries.catalog} catalog queries, ${gathered.queries.dataScan} data-scan statement(s)).`);
  // --verbose: where the time went, one line per round trip (the scan's own sessions are 1 and on).
  for (const t of gathered.timings) reporter.detail(`  session ${t.session}  ${t.kind.padEnd(8)} ${t.ms.toFixed(0).padStart(6)} ms  ${t.what}`);
  if (result.counts.blocker > 0) {
    throw new BlockedError(`The source is not ready for DMS: ${result.counts.blocker} blocking problem(s).`, {
      hint: "Apply the fixes listed under Blockers, then run check-source again.",
    });
  }
  return report;
}
