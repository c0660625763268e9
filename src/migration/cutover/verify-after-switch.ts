import type { QueryResult } from "pg";
import type { PgClient } from "../../adapters/postgres/connect.js";
import { quoteLiteral } from "../../plan/sql-text.js";
import { errorMessage, isAbort } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { openDatabase } from "../connections.js";
import { type TableStatus, validateDatabases } from "../validate/compare.js";
import type { Verification, VerifyMode } from "./record.js";

/** Tables compared at once after the switch (each holds a session on either side). */
const JOBS = 4;

/**
 * Freezes the target's view at the drain point: a REPEATABLE READ transaction on `holder`,
 * kept open, exports its snapshot (one round trip). Every session that imports it sees the
 * target exactly as it was then, whatever the app writes there after the switch.
 */
export async function exportTargetSnapshot(holder: PgClient): Promise<string> {
  const res = (await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot() AS id")) as unknown as QueryResult<{ id: string }>[];
  return res[1]!.rows[0]!.id;
}

const DIFFERENT: ReadonlySet<TableStatus> = new Set(["rows-differ", "checksum-differs", "missing-on-target", "columns-differ"]);

/**
 * After the switch, outside the write window: the still-frozen source against the target as
 * of the drain (the exported snapshot), table by table in parallel: exact row counts, with
 * "checksum" a content hash too. Never throws: a check that cannot run is result "failed".
 */
export async function verifyAfterSwitch(
  ctx: StepContext,
  o: { mode: Exclude<VerifyMode, "none">; snapshotId: string; schemas: readonly string[] },
): Promise<Verification> {
  const started = ctx.clock.now();
  const ms = (): number => ctx.clock.now().getTime() - started.getTime();
  const base = { mode: o.mode, startedAt: started.toISOString() };
  try {
    const report = await validateDatabases({
      connectSource: () => openDatabase(ctx, "source"),
      connectTarget: async () => {
        const client = await openDatabase(ctx, "target");
        try {
          await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT ${quoteLiteral(o.snapshotId)}`);
        } catch (err) {
          await client.end().catch(() => undefined);
          throw err;
        }
        return client;
      },
      schemas: o.schemas,
      checksum: o.mode === "checksum",
      jobs: JOBS,
      parity: false,
      objects: false,
      signal: ctx.signal,
    });
    const compared = report.tables.filter((t) => t.status !== "only-on-target");
    const differences = compared.filter((t) => DIFFERENT.has(t.status)).map(describe);
    return { ...base, result: differences.length ? "differ" : "equal", ms: ms(), tables: compared.length, differences };
  } catch (err) {
    return { ...base, result: "failed", ms: ms(), differences: [], error: isAbort(err) ? "interrupted" : errorMessage(err) };
  }
}

function describe(t: { schema: string; table: string; status: TableStatus; sourceRows?: string; targetRows?: string; columnNote?: string }): string {
  const name = `${t.schema}.${t.table}`;
  switch (t.status) {
    case "missing-on-target":
      return `${name}: missing on the target`;
    case "rows-differ":
      return `${name}: source ${t.sourceRows ?? "?"} rows, target ${t.targetRows ?? "?"}`;
    case "checksum-differs":
      return `${name}: same row count (${t.sourceRows ?? "?"}) but different content (checksum)`;
    default:
      return `${name}: columns differ (${t.columnNote ?? ""})`;
  }
}
