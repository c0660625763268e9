import type { PgClient } from "../../adapters/postgres/connect.js";
import type { StepContext } from "../context.js";
import { keyChangesTableExists } from "./objects.js";
import { readChangedKeys } from "./read.js";
import { readKeyChangesOutput } from "./record.js";
import { repairChangedKeys } from "./repair.js";
import { failingSpinner } from "../../ui/reporter.js";

/** What the cutover's repair did, for its report. */
export interface KeyChangeRepair {
  /** Key-changing UPDATEs recorded on the source since step 8. */
  recorded: number;
  /** Distinct keys (old and new) whose rows were re-synced on the target. */
  keys: number;
  copied: number;
  deleted: number;
}

/**
 * The cutover's repair, during the freeze and after the drain (the target has every write
 * DMS applied; the source no longer changes): the rows under every recorded old and new key
 * are made on the target what they are on the source. Undefined when step 8 installed no
 * capture (declined: a warning says key changes may be lost).
 */
export async function repairAtCutover(ctx: StepContext, source: PgClient, target: PgClient): Promise<KeyChangeRepair | undefined> {
  const { reporter } = ctx;
  if (!(await keyChangesTableExists(source))) {
    if (readKeyChangesOutput(ctx.state.outputs)?.capture === "declined") {
      reporter.warn("Primary-key changes were not recorded (declined at step 8): any row whose key an UPDATE changed during the migration is under its old key on the target.");
    }
    return undefined;
  }
  const spinner = reporter.spinner("Re-copying the rows whose primary key changed during the migration");
  const work = async (): Promise<KeyChangeRepair> => {
    const changed = await readChangedKeys(source);
    const result = await repairChangedKeys(source, target, changed.tables);
    for (const t of result.skipped) reporter.warn(`${t} had primary keys changed but no longer exists on the source: nothing to copy from it.`);
    const repair = { recorded: changed.changes, keys: result.keys, copied: result.copied, deleted: result.deleted };
    spinner.succeed(
      changed.changes === 0
        ? "No primary key changed on the source during the migration"
        : `Primary-key changes repaired: ${repair.keys} key(s) re-synced in ${result.tables.length} table(s) (${repair.copied} row(s) copied, ${repair.deleted} stale row(s) removed; ${repair.recorded} change(s) recorded)`,
    );
    return repair;
  };
  return failingSpinner(spinner, work, "Could not repair the primary-key changes on the target");
}
