/**
 * The demo's proof at the switch: right after the cutover (the source frozen, the target
 * drained, sequences synced) and before the app writes on the target, `validate --checksum`'s
 * comparison of the app's schema — every row's content and the catalogs — must be clean.
 */
import { connectUrl } from "../../adapters/postgres/connect-url.js";
import { type ValidateReport, validateDatabases } from "../../migration/validate/compare.js";
import type { AwsServices } from "../../adapters/aws/ports.js";
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

/** Real DMS answers an empty Describe with ResourceNotFoundFault: nothing there. */
async function listed<T>(read: () => Promise<T[] | undefined>): Promise<T[]> {
  try {
    return (await read()) ?? [];
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundFault") return [];
    throw err;
  }
}

/**
 * demo --rollback's last check, after `finish`: what is left — a replication slot on Aurora or
 * on the old server, a DMS task, endpoint or replication instance in the stand-in. One line each;
 * none when all is clean.
 */
export async function leftovers(o: { auroraUrl: string; oldUrl: string; standin: Pick<AwsServices, "dms"> }): Promise<string[]> {
  const left: string[] = [];
  for (const [name, url] of [["Aurora", o.auroraUrl], ["the old server", o.oldUrl]] as const) {
    const c = await connectUrl(url);
    try {
      const { rows } = await c.query<{ slot_name: string }>("SELECT slot_name FROM pg_replication_slots ORDER BY 1");
      for (const r of rows) left.push(`replication slot ${r.slot_name} on ${name}`);
    } finally {
      await c.end();
    }
  }
  for (const t of await listed(async () => (await o.standin.dms.describeReplicationTasks({})).ReplicationTasks)) left.push(`DMS task ${t.ReplicationTaskIdentifier ?? "?"} (${t.Status ?? "?"})`);
  for (const e of await listed(async () => (await o.standin.dms.describeEndpoints({})).Endpoints)) left.push(`DMS endpoint ${e.EndpointIdentifier ?? "?"}`);
  for (const i of await listed(async () => (await o.standin.dms.describeReplicationInstances({})).ReplicationInstances)) left.push(`DMS replication instance ${i.ReplicationInstanceIdentifier ?? "?"} (${i.ReplicationInstanceStatus ?? "?"})`);
  return left;
}
