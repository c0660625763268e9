import type { PgClient } from "../../adapters/postgres/connect.js";
import { BlockedError, OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { describeDrift } from "../../plan/schema-drift.js";
import { checkSchemaDrift } from "../schema/drift-check.js";
import { recordSchemaDrift } from "../source-watch.js";
import { assertTargetAccess } from "../schema/target-access.js";
import { chosenSchemas } from "../chosen-schemas.js";
import type { CutoverDeps } from "./deps.js";
import { markerTableExists } from "./drain.js";
import { type PreparedSequenceSync, prepareSequenceSync } from "./final-sequences.js";
import { readFreezeFacts } from "./freeze-facts.js";
import { applySql, planFreeze } from "./freeze-plan.js";
import { cutoverVerdict } from "./preconditions.js";
import { Q, askFreezeHooks, askFreezeMethod, askFreezeRoles, askHookTimeout, askPreconditions, askSwitch, askVerify } from "./questions.js";
import type { FreezeRecord, VerifyMode } from "./record.js";
import { failingSpinner } from "../../ui/reporter.js";
import { WalWatch } from "../wal-guard.js";
import { type ReversePath, prepareReversePath } from "../rollback/prepare-reverse.js";

/** Everything decided and read before the source is touched. */
export interface CutoverPlan {
  record: FreezeRecord;
  switchHook: string;
  drainTimeoutSeconds: number;
  hookTimeoutSeconds: number;
  verify: VerifyMode;
  schemas: string[];
  /** Read and built now; run after the drain in two round trips. */
  sequences: PreparedSequenceSync;
  /** The rollback window's reverse path, prepared (absent: no window). */
  reverse?: ReversePath;
}

/** The DDL drift guard's lines: each change made on the source since the schema load that the target lacks. */
async function schemaDriftLines(ctx: StepContext, source: PgClient, target: PgClient): Promise<string[]> {
  const report = await checkSchemaDrift(ctx, source, target);
  const lines = report?.differences.map(describeDrift) ?? [];
  if (report) await recordSchemaDrift(ctx, ctx.clock.now(), { changes: lines, compared: report.compared }, "cutover"); // what `status` shows
  return lines;
}

/**
 * The questions, the checks and the plan: the preconditions (task, latency, tolerant row
 * counts), the freeze's statements, the target's sequences, the confirmation (declining
 * throws). Nothing is frozen or switched; with a rollback window, its reverse path is made
 * (before the question, so a problem with it shows first) and kept for the next cutover.
 */
export async function prepareCutover(ctx: StepContext, deps: CutoverDeps, source: PgClient, target: PgClient): Promise<CutoverPlan> {
  const { prompter, reporter } = ctx;
  const pre = await askPreconditions(prompter);
  const verify = await askVerify(prompter, pre.skipRowCounts);
  const spinner = reporter.spinner("Checking the task, its latency and the row counts");
  const verdict = await failingSpinner(
    spinner,
    async () =>
      cutoverVerdict({
        taskStatus: await deps.taskStatus(),
        cdcLatencySeconds: await deps.cdcLatencySeconds(),
        latencyThresholdSeconds: pre.maxLatencySeconds,
        rowCounts: pre.skipRowCounts ? "skipped" : await deps.rowCounts(),
        markerTableOnTarget: await markerTableExists(target),
        schemaDrift: await schemaDriftLines(ctx, source, target),
      }),
    "Could not check the cutover's preconditions",
  );
  if (!verdict.ready) {
    spinner.fail("The cutover cannot start yet");
    throw new BlockedError(`The cutover cannot start: ${verdict.problems.length} problem(s). Nothing was changed.`, {
      details: verdict.problems.map((p) => `- ${p}`),
      hint: "Fix them and run `aurora-migrate cutover` again.",
    });
  }
  // The WAL guard's figure once more before the freeze (the slot is dropped only by cleanup).
  const wal = new WalWatch(ctx);
  await wal.look().finally(() => wal.close());
  spinner.succeed("The task runs, its latency is under the threshold" + (pre.skipRowCounts ? "" : ", row counts are within CDC lag") + wal.text);
  for (const note of verdict.notes) reporter.warn(note);

  const method = await askFreezeMethod(prompter);
  const facts = await readFreezeFacts(source);
  const record: FreezeRecord = { method, database: facts.database, roles: [], changes: [], status: "applying", terminated: [] };
  const consequences: string[] = [];
  if (method === "roles") {
    const roles = await askFreezeRoles(prompter, facts);
    const plan = planFreeze(facts, roles);
    for (const w of plan.warnings) reporter.warn(w);
    if (plan.problems.length) {
      throw new BlockedError("The write freeze cannot be made as chosen. Nothing was changed.", {
        details: plan.problems.map((p) => `- ${p}`),
        hint: `Change ${Q.freezeRoles} (or ${Q.freezeMethod}) and run the cutover again.`,
      });
    }
    record.roles = roles;
    record.changes = plan.changes.map((change) => ({ change, status: "planned" as const }));
    const sessions = await source.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND usename = ANY($1)",
      [roles],
    );
    consequences.push(
      `Writes on ${facts.database} stop for ${roles.join(", ")}: they lose access, and their ${sessions.rows[0]?.n ?? 0} open session(s) there are ended. Run on the source, in one transaction:`,
      ...plan.changes.map((c) => `  ${applySql(c, facts.database)};`),
    );
  } else if (method === "hook") {
    Object.assign(record, await askFreezeHooks(prompter));
    consequences.push(`Your freeze command runs: ${record.freezeHook ?? ""}`);
  } else {
    record.status = "applied";
    reporter.warn("No write freeze: any write the app makes on the source after the marker is not on the target, and is lost after the switch.");
  }
  const schemas = await chosenSchemas(ctx, source);
  // The app's roles (those frozen, or with a hook every grantee) must be able to use the target.
  await assertTargetAccess(source, target, schemas, method === "roles" ? record.roles : undefined);
  const { switchHook, drainTimeoutSeconds } = await askSwitch(prompter);
  const hookTimeoutSeconds = await askHookTimeout(prompter);
  const sequences = await prepareSequenceSync(source, target, schemas);
  // Before the freeze: the reverse endpoints tested and the reverse task ready (a problem stops here, nothing frozen).
  const reverse = await prepareReversePath(ctx, target);
  consequences.push(
    "Then a marker row is written on the source and awaited on the target, the rows whose primary key changed are re-copied, the target's state is kept (a snapshot), the sequences are synced, and your switch command runs:",
    `  ${switchHook}`,
    `Each of your commands (freeze, unfreeze, switch) is ended if it runs over ${hookTimeoutSeconds} s (${Q.hookTimeout}).`,
    "If anything fails before the switch command starts, or the switch command itself exits non-zero, the freeze is lifted and the source is left as it was.",
    "If the switch command is ended (time limit, Ctrl-C) the freeze is kept: the app may already be on the target.",
    verify === "none"
      ? "After the switch: no comparison of source and target (cutover.verify none)."
      : `After the switch, with the app already on the target: ${verify === "checksum" ? "row counts and checksums" : "exact row counts"} of the frozen source against the target as of the drain; a difference exits 3.`,
  );
  if (reverse) {
    consequences.push(
      `Rollback window: after the sequences, the forward DMS task is stopped and the logical slot ${reverse.slotName} created on Aurora (in the write window); after the switch the reverse task ${reverse.reverseTaskId} starts from it, carrying every write on Aurora back to the old server. A failure before the switch drops the slot and resumes the forward task.`,
    );
  }
  // Kept: a dry run asks nothing destructive; the consequences are its plan.
  if (ctx.options.dryRun) {
    for (const line of consequences) reporter.info(line);
  } else {
    const go = await prompter.confirmDestructive({ id: Q.confirmFreeze, message: "Freeze writes on the source and switch the app to the target now?", consequences });
    if (!go) {
      throw new OperationError(
        reverse
          ? `Cutover cancelled: nothing was frozen or switched. The rollback window's reverse path made before the question stays for the next cutover (the reverse endpoints and the DMS task ${reverse.reverseTaskId}, the key-change capture on Aurora); the cleanup removes them with the rest (\`aurora-migrate cleanup\`) if you give up the migration.`
          : "Cutover cancelled. Nothing was changed.",
      );
    }
  }
  return { record, switchHook, drainTimeoutSeconds, hookTimeoutSeconds, verify, schemas, sequences, ...(reverse ? { reverse } : {}) };
}
