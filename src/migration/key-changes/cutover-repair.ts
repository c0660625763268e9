import type { PgClient } from "../../adapters/postgres/connect.js";
import type { StepContext } from "../context.js";
import { keyChangesTableExists } from "./objects.js";
import { readChangedKeys } from "./read.js";
import { readOutput } from "../outputs/read.js";
import { CUTOVER_SIDES, type RepairSides, repairChangedKeys } from "./repair.js";
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
    if (readOutput(ctx, "key-changes")?.capture === "declined") {
      reporter.warn("Primary-key changes were not recorded (declined at step 8): any row whose key an UPDATE changed during the migration is under its old key on the target.");
    }
    return undefined;
  }
  return repairKeyChanges(ctx, source, target, CUTOVER_DIRECTION);
}

/** A direction of the repair, in the words its spinner says. */
export interface RepairDirection {
  sides: RepairSides;
  /** "during the migration", "on Aurora during the rollback window". */
  when: string;
  /** Where the changes were recorded: "on the source", "on Aurora". */
  recordedOn: string;
  /** The failure's headline: "Could not repair the primary-key changes on the target". */
  failure: string;
}

export const CUTOVER_DIRECTION: RepairDirection = {
  sides: CUTOVER_SIDES,
  when: "during the migration",
  recordedOn: "on the source",
  failure: "Could not repair the primary-key changes on the target",
};

/**
 * The repair itself, either way: the keys recorded on `from` (its key-change table must exist),
 * their rows made on `to` what they are on `from`, in one transaction on `to`. The cutover runs
 * it from the source to Aurora, the rollback from Aurora to the old server.
 */
export async function repairKeyChanges(ctx: StepContext, from: PgClient, to: PgClient, d: RepairDirection): Promise<KeyChangeRepair> {
  const spinner = ctx.reporter.spinner(`Re-copying the rows whose primary key changed ${d.when}`);
  const work = async (): Promise<KeyChangeRepair> => {
    const changed = await readChangedKeys(from);
    const result = await repairChangedKeys(from, to, changed.tables, d.sides);
    for (const t of result.skipped) ctx.reporter.warn(`${t} had primary keys changed but no longer exists on ${d.sides.from}: nothing to copy from it.`);
    const repair = { recorded: changed.changes, keys: result.keys, copied: result.copied, deleted: result.deleted };
    spinner.succeed(
      changed.changes === 0
        ? `No primary key changed ${d.recordedOn} ${d.when}`
        : `Primary-key changes repaired: ${repair.keys} key(s) re-synced in ${result.tables.length} table(s) (${repair.copied} row(s) copied, ${repair.deleted} stale row(s) removed; ${repair.recorded} change(s) recorded)`,
    );
    return repair;
  };
  return failingSpinner(spinner, work, d.failure);
}
