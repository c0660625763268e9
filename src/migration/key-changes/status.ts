import type { PgClient } from "../../adapters/postgres/connect.js";
import { errorMessage } from "../../core/errors.js";
import type { MigrationState } from "../../state/schema.js";
import { keyChangesTableExists } from "./objects.js";
import { countKeyChanges } from "./read.js";
import { readOutput } from "../outputs/read.js";

/** What `status` says about primary-key changes (`keyChanges` in `status --json`). */
export interface KeyChangeStatus {
  /** As step 8 left it: "installed", "declined", or "removed" once the source has no key-change table. */
  capture: "installed" | "declined" | "removed";
  /** Tables with the trigger. */
  tables: number;
  /** Key-changing UPDATEs recorded so far, read on the source now. */
  recorded?: number;
  /** Why the source could not be read (then only the last cutover's figures are known). */
  notChecked?: string;
  /** What the last cutover repaired, from the state. */
  atLastCutover?: { recorded: number; keys: number; at: string };
}

/**
 * Best effort: the running count from the source (the password from PGPASSWORD or ~/.pgpass,
 * as every non-interactive connection of the tool), else why it could not be read; and,
 * without any connection, what the last cutover recorded. Undefined before step 8 decided.
 */
export async function keyChangeStatus(state: MigrationState, connectSource: () => Promise<PgClient>): Promise<KeyChangeStatus | undefined> {
  const out = readOutput({ state }, "key-changes");
  if (!out) return undefined;
  const status: KeyChangeStatus = { capture: out.capture, tables: out.tables.length };
  const last = readOutput({ state }, "cutover")?.report;
  if (last?.keyChanges) status.atLastCutover = { recorded: last.keyChanges.recorded, keys: last.keyChanges.keys, at: last.drainedAt ?? last.frozeAt };
  if (out.capture !== "installed") return status;
  let source: PgClient | undefined;
  try {
    source = await connectSource();
    if (await keyChangesTableExists(source)) status.recorded = await countKeyChanges(source);
    else status.capture = "removed";
  } catch (err) {
    status.notChecked = errorMessage(err);
  } finally {
    await source?.end().catch(() => undefined);
  }
  return status;
}

/** Pure: the lines a person reads. */
export function keyChangeStatusLines(s: KeyChangeStatus): string[] {
  const lines: string[] = [];
  if (s.capture === "declined") lines.push("  Not recorded (declined at step 8): an UPDATE that changes a primary key is lost on the target.");
  else if (s.capture === "removed") lines.push(`  The capture was removed from the source (cleanup); it covered ${s.tables} table(s).`);
  else if (s.recorded !== undefined) lines.push(`  ${s.recorded} primary-key change(s) recorded on the source so far (trigger on ${s.tables} table(s)); the cutover re-copies those rows.`);
  else lines.push(`  Could not read the running count on the source: ${s.notChecked ?? "unknown reason"}. (Set PGPASSWORD or ~/.pgpass for the source login.)`);
  if (s.atLastCutover) lines.push(`  At the last cutover (${s.atLastCutover.at}): ${s.atLastCutover.recorded} change(s) recorded, ${s.atLastCutover.keys} key(s) re-synced on the target.`);
  return lines;
}
