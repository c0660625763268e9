import { connectUrl } from "../adapters/postgres/connect-url.js";
import { resolveSchemas } from "../adapters/postgres/schemas.js";
import { withBoth } from "../adapters/postgres/sessions.js";
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

/** `aurora-migrate sync-sequences`: every source sequence's position onto the target. */
export async function runSyncSequences(g: GlobalOptions, o: SyncSequencesOptions, reporter: Reporter): Promise<void> {
  const urls = requireUrls(o, "sync-sequences");
  await withBoth(() => connectUrl(urls.source), () => connectUrl(urls.target), async (source, target) => {
    const schemas = await resolveSchemas(source, o.schemas);
    const report = await syncSequences({ source, target, schemas, dryRun: g.dryRun });
    if (reporter.jsonMode) reporter.json(sequenceReportJson(report));
    printSequenceReport(report, reporter);
  });
}
