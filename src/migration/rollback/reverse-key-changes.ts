/**
 * Primary-key changes in the rollback window. DMS ignores an UPDATE that changes a primary key
 * (docs/dms-notes.md §4), in the reverse task as in the forward one: a key the app changes on
 * Aurora after the switch would stay the old one on the old server. So the forward capture's
 * pieces (src/migration/key-changes/) are used on Aurora too: the trigger is put there with the
 * reverse path, before the cutover's freeze, always when there is a window (the rollback must
 * not lose data, whatever was answered for the source at step 8); `rollback` re-copies the
 * changed keys' rows from Aurora to the old server after its drain; `finish` removes it.
 *
 * The trigger is an ordinary one (not ENABLE ALWAYS): it fires for sessions in the default
 * session_replication_role (origin), so for the app's UPDATEs after the switch, and not for
 * DMS's forward apply or the cutover's repair, which run with session_replication_role = replica.
 */
import type { PgClient } from "../../adapters/postgres/connect.js";
import { BlockedError } from "../../core/errors.js";
import { failingSpinner } from "../../ui/reporter.js";
import { chosenSchemas } from "../chosen-schemas.js";
import { openDatabase } from "../connections.js";
import type { StepContext } from "../context.js";
import { type KeyChangeRepair, type RepairDirection, repairKeyChanges } from "../key-changes/cutover-repair.js";
import { installCapture, lackingPrivileges, privilegeFix, readCaptureFacts } from "../key-changes/install.js";
import { keyChangeTriggerSql, keyChangesTableExists } from "../key-changes/objects.js";
import { findCaptureObjects, nothingInstalled, removalSql, removeCapture } from "../key-changes/remove.js";
import { readOutput } from "../outputs/read.js";
import { changeDatabase } from "../planned-sql.js";
import { rollbackWindowOutput } from "./output.js";

/** The rollback's direction: Aurora's rows onto the old server. */
export const ROLLBACK_DIRECTION: RepairDirection = {
  sides: {
    from: "Aurora",
    to: "the old server",
    rerun: "run the rollback again",
    createHint: "Create it on the old server as it is on Aurora, then run the rollback again.",
    roleHint:
      "Run the rollback with an old-server login that may set session_replication_role (a superuser; on RDS the master user, which has rds_superuser), as the reverse DMS target endpoint does.",
  },
  when: "during the rollback window",
  recordedOn: "on Aurora",
  failure: "Could not repair the primary-key changes on the old server",
};

const WHAT = "the key-change capture on Aurora (triggers aurora_migrate_key_change, aurora_migrate.key_changes and its function)";

/**
 * With the reverse path, before the freeze: the key-change trigger on every table with a
 * primary key of the chosen schemas on Aurora. Recorded "installing" before anything is made and
 * "installed" after; idempotent (a rerun adds what is missing). A login that may not put it
 * there stops with the GRANTs (the caller offers to go on without a window).
 */
export async function installAuroraKeyCapture(ctx: StepContext, aurora: PgClient): Promise<void> {
  const { reporter } = ctx;
  const facts = await readCaptureFacts(aurora, await chosenSchemas(ctx, aurora));
  const lacking = lackingPrivileges(facts);
  if (lacking.length) {
    throw new BlockedError(
      `The Aurora login ${facts.login} cannot put the key-change trigger on ${lacking.length} table(s), which the rollback window needs (DMS ignores an UPDATE that changes a primary key, so the reverse task would lose such changes).`,
      {
        details: lacking.slice(0, 20).map((t) => `- ${t.schema}.${t.table} (owner ${t.owner})`).concat(lacking.length > 20 ? [`- … and ${lacking.length - 20} more`] : []),
        hint: `Run on Aurora as the master user:\n${privilegeFix(facts).map((s) => `  ${s}`).join("\n")}\nthen run the cutover again.`,
      },
    );
  }
  const first = facts.tables.find((t) => !t.installed);
  if (ctx.options.dryRun) {
    if (first) reporter.info(`[dry-run] on Aurora: the key-change trigger on ${facts.tables.filter((t) => !t.installed).length} table(s), e.g. ${keyChangeTriggerSql(first.schema, first.table, first.key)};`);
    return;
  }
  const w = rollbackWindowOutput(ctx);
  if (w.keyCapture?.status !== "installed" || first) {
    w.keyCapture = { ...w.keyCapture, status: "installing" };
    await ctx.save();
  }
  const spinner = reporter.spinner(`Putting the key-change trigger on ${facts.tables.length} table(s) on Aurora`);
  const { created } = await failingSpinner(spinner, () => installCapture(aurora, facts, 5_000, { on: "Aurora", rerun: "run the cutover again" }));
  spinner.succeed(`Primary-key changes the app makes on Aurora are recorded on ${facts.tables.length} table(s) (${created} trigger(s) created now; \`rollback\` re-copies them, \`finish\` removes the trigger)`);
  w.keyCapture = { status: "installed", tables: facts.tables.length, installedAt: w.keyCapture?.installedAt ?? ctx.clock.now().toISOString() };
  await ctx.save();
}

/**
 * `rollback`, after the drain (the old server has every change the reverse task applied; Aurora
 * is frozen): the rows under every key changed on Aurora made on the old server what they are on
 * Aurora, in one transaction there. Undefined when Aurora has no capture (a window prepared by
 * an older version: said so).
 */
export async function repairAtRollback(ctx: StepContext, aurora: PgClient, old: PgClient): Promise<KeyChangeRepair | undefined> {
  if (!(await keyChangesTableExists(aurora))) {
    ctx.reporter.warn(
      "Primary-key changes on Aurora were not recorded during the rollback window (no key-change capture there): any row whose key the app changed on Aurora is under its old key on the old server.",
    );
    return undefined;
  }
  return repairKeyChanges(ctx, aurora, old, ROLLBACK_DIRECTION);
}

/** Whether `finish` still has the capture on Aurora to remove. */
export function auroraKeyCaptureLeft(ctx: Pick<StepContext, "state">): boolean {
  const k = readOutput(ctx, "rollback-window")?.keyCapture;
  return k !== undefined && k.status !== "removed";
}

/**
 * `finish` (and `cleanup --end-rollback-window`), once the reverse task is gone: every trace of
 * the capture on Aurora found in the catalog and dropped ("removing" recorded first, "removed"
 * after). Printed under --dry-run; a second run finds nothing and says so.
 */
export async function removeAuroraKeyCapture(ctx: StepContext, report: { done: string[]; alreadyGone: string[] }): Promise<void> {
  const aurora = await openDatabase(ctx, "target");
  try {
    const found = await findCaptureObjects(aurora);
    const w = rollbackWindowOutput(ctx);
    const mark = async (status: "removing" | "removed"): Promise<void> => {
      w.keyCapture = { ...w.keyCapture, status, ...(status === "removed" ? { removedAt: ctx.clock.now().toISOString() } : {}) };
      await ctx.save();
    };
    if (nothingInstalled(found)) {
      if (!ctx.options.dryRun) await mark("removed");
      report.alreadyGone.push(WHAT);
      return;
    }
    await changeDatabase(ctx, {
      where: "target (Aurora)",
      statements: removalSql(found),
      apply: async () => {
        await mark("removing");
        await removeCapture(aurora, found);
        await mark("removed");
        report.done.push(`${WHAT}: ${found.triggers.length} trigger(s)`);
        ctx.reporter.success(`Removed the key-change trigger from ${found.triggers.length} table(s) on Aurora, and its table and function`);
      },
    });
  } finally {
    await aurora.end().catch(() => undefined);
  }
}
