import { connectUrl } from "../adapters/postgres/connect-url.js";
import { resolveSchemas } from "../adapters/postgres/schemas.js";
import { UsageError } from "../core/errors.js";
import type { GlobalOptions } from "../migration/context.js";
import { printSequenceReport, sequenceReportJson } from "../migration/sequences/report.js";
import { syncSequences } from "../migration/sequences/sync.js";
import type { Reporter } from "../ui/reporter.js";

export interface SyncSequencesOptions {
  source?: string;
  target?: string;
  /** Comma-separated schema names; default every non-system schema of the source. */
  schemas?: string;
}

export function requireUrls(o: { source?: string; target?: string }, command: string): { source: string; target: string } {
  const missing = (["source", "target"] as const).filter((k) => !o[k]);
  if (missing.length) {
    throw new UsageError(`${command} needs ${missing.map((m) => `--${m}`).join(" and ")}.`, {
      hint: `Example: aurora-migrate ${command} --source postgres://app@old-host/app --target postgres://admin@aurora-host/app`,
    });
  }
  return { source: o.source!, target: o.target! };
}

/**
 * `aurora-migrate sync-sequences`: every source sequence's position onto the target.
 * The sessions are opened at once; a second target session shares the column reads (the
 * costly part, server CPU) when the target lets it open, else one session does it all.
 */
export async function runSyncSequences(g: GlobalOptions, o: SyncSequencesOptions, reporter: Reporter): Promise<void> {
  const urls = requireUrls(o, "sync-sequences");
  const [source, target, second] = await Promise.allSettled([connectUrl(urls.source), connectUrl(urls.target), connectUrl(urls.target)]);
  try {
    // The source's failure first, as when the sessions were opened one after the other.
    if (source.status === "rejected") throw source.reason;
    if (target.status === "rejected") throw target.reason;
    const schemas = await resolveSchemas(source.value, o.schemas);
    const more = second.status === "fulfilled" ? { moreTargetSessions: [second.value] } : {};
    const report = await syncSequences({ source: source.value, target: target.value, schemas, dryRun: g.dryRun, ...more });
    if (reporter.jsonMode) reporter.json(sequenceReportJson(report));
    printSequenceReport(report, reporter, { details: g.verbose });
  } finally {
    // A close that fails is ignored: the session is gone either way, and the work's error matters.
    const opened = [source, target, second].flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
  }
}
