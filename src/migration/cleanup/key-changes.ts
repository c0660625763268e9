import type { PgClient } from "../../adapters/postgres/connect.js";
import { findCaptureObjects, nothingInstalled, removalSql, removeCapture } from "../key-changes/remove.js";
import type { StepContext } from "../context.js";
import { changeDatabase } from "../planned-sql.js";

/** Where cleanup lists what it did, what was gone and what stays (run-cleanup's report). */
interface Lists {
  done: string[];
  alreadyGone: string[];
  remaining: string[];
}

/**
 * Removes the key-change capture step 8 installed on the source: the trigger on every table
 * (found in the catalog, not only those recorded), the aurora_migrate.key_changes table and
 * its function. Confirmed; printed under --dry-run; a second run finds nothing and says so.
 * Runs before the tool's schema is dropped, which needs it empty.
 */
export async function cleanKeyChanges(ctx: StepContext, source: PgClient, report: Lists): Promise<void> {
  const found = await findCaptureObjects(source);
  const what = "the key-change capture on the source (triggers aurora_migrate_key_change, aurora_migrate.key_changes and its function)";
  if (nothingInstalled(found)) {
    report.alreadyGone.push(what);
    return;
  }
  const sql = removalSql(found);
  const change = await changeDatabase(ctx, {
    where: "source",
    statements: sql,
    ask: {
      id: "cleanup.dropKeyChanges",
      message: `Remove the key-change trigger from ${found.triggers.length} table(s) on the source, and its table and function?`,
      consequences: [`Primary-key changes on the source are no longer recorded (the cutover is done with them).`],
    },
    apply: async () => {
      await removeCapture(source, found);
      report.done.push(`${what}: ${found.triggers.length} trigger(s)`);
      ctx.reporter.success(`Removed the key-change trigger from ${found.triggers.length} table(s), and its table and function`);
    },
  });
  if (change === "declined") report.remaining.push(`${what}: ${sql.length} statement(s), e.g. ${sql[0] ?? ""};`);
}
