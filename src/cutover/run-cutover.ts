import type { PgClient } from "../adapters/postgres/connect.js";
import { ensureMarkerTable } from "../adapters/postgres/marker.js";
import { repairAtCutover } from "../key-changes/cutover-repair.js";
import { AppError, BlockedError, OperationError, errorMessage, isAbort } from "../errors.js";
import type { StepContext } from "../runner.js";
import { assertTargetAccess } from "../schema/target-access.js";
import { chosenSchemas } from "../steps/chosen-schemas.js";
import { openDatabase } from "../steps/connections.js";
import { runDatabaseHook } from "../steps/database-hook.js";
import type { CutoverDeps } from "./deps.js";
import { markerTableExists, waitForMarker, writeMarker } from "./drain.js";
import { type FreezeIo, applyFreeze, liftFreeze } from "./freeze.js";
import { readFreezeFacts } from "./freeze-facts.js";
import { applySql, planFreeze } from "./freeze-plan.js";
import { cutoverVerdict } from "./preconditions.js";
import { exactCountDifferences } from "./row-counts.js";
import { Q, askFreezeHooks, askFreezeMethod, askFreezeRoles, askPreconditions, askSwitch } from "./questions.js";
import { type CutoverReport, type FreezeRecord, cutoverOutput } from "./record.js";
import { reportLines, rolledBackReport, switchedReport } from "./report.js";

function freezeIo(ctx: StepContext, client: PgClient): FreezeIo {
  return {
    client,
    clock: ctx.clock,
    save: () => ctx.save(),
    // Not the step's signal: an interrupted cutover must still be able to undo its freeze.
    runSourceHook: (command, what) => runDatabaseHook(ctx, "source", command, what),
    say: (text) => ctx.reporter.warn(text),
  };
}

/** Lifts the freeze recorded in the state, if one is still (or may still be) in place. */
export async function liftRecordedFreeze(ctx: StepContext): Promise<boolean> {
  const record = cutoverOutput(ctx.state.outputs).freeze;
  if (!record || record.status === "lifted") return false;
  const source = await openDatabase(ctx, "source");
  try {
    await liftFreeze(freezeIo(ctx, source), record);
  } finally {
    await source.end().catch(() => undefined);
  }
  return true;
}

/** The questions, the checks and the plan: everything decided before the source is touched. */
async function prepare(
  ctx: StepContext,
  deps: CutoverDeps,
  source: PgClient,
  target: PgClient,
): Promise<{ record: FreezeRecord; switchHook: string; drainTimeoutSeconds: number; skipRowCounts: boolean }> {
  const { prompter, reporter } = ctx;
  const pre = await askPreconditions(prompter);
  const spinner = reporter.spinner("Checking the task, its latency and the row counts");
  let verdict;
  try {
    verdict = cutoverVerdict({
      taskStatus: await deps.taskStatus(),
      cdcLatencySeconds: await deps.cdcLatencySeconds(),
      latencyThresholdSeconds: pre.maxLatencySeconds,
      rowCounts: pre.skipRowCounts ? "skipped" : await deps.rowCounts(),
      markerTableOnTarget: await markerTableExists(target),
    });
  } catch (err) {
    spinner.fail("Could not check the cutover's preconditions");
    throw err;
  }
  if (!verdict.ready) {
    spinner.fail("The cutover cannot start yet");
    throw new BlockedError(`The cutover cannot start: ${verdict.problems.length} problem(s). Nothing was changed.`, {
      details: verdict.problems.map((p) => `- ${p}`),
      hint: "Fix them and run `aurora-migrate cutover` again.",
    });
  }
  spinner.succeed("The task runs, its latency is under the threshold" + (pre.skipRowCounts ? "" : ", row counts are within CDC lag"));
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
      `Writes on ${facts.database} stop for ${roles.join(", ")}: they lose access, and their ${sessions.rows[0]?.n ?? 0} open session(s) there are ended. Run on the source:`,
      ...plan.changes.map((c) => `  ${applySql(c, facts.database)};`),
    );
  } else if (method === "hook") {
    Object.assign(record, await askFreezeHooks(prompter));
    consequences.push(`Your freeze command runs: ${record.freezeHook ?? ""}`);
  } else {
    record.status = "applied";
    reporter.warn("No write freeze: any write the app makes on the source after the marker is not on the target, and is lost after the switch.");
  }
  // The app's roles (those frozen, or with a hook every grantee) must be able to use the target.
  await assertTargetAccess(source, target, await chosenSchemas(ctx, source), method === "roles" ? record.roles : undefined);
  const { switchHook, drainTimeoutSeconds } = await askSwitch(prompter);
  consequences.push(
    "Then a marker row is written on the source and awaited on the target, the rows whose primary key changed are re-copied, the sequences are synced, and your switch command runs:",
    `  ${switchHook}`,
    "If anything fails before it succeeds, the freeze is lifted and the source is left as it was.",
  );
  if (ctx.options.dryRun) {
    for (const line of consequences) reporter.info(line);
    return { record, switchHook, drainTimeoutSeconds, skipRowCounts: pre.skipRowCounts };
  }
  const go = await prompter.confirmDestructive({ id: Q.confirmFreeze, message: "Freeze writes on the source and switch the app to the target now?", consequences });
  if (!go) throw new OperationError("Cutover cancelled. Nothing was changed.");
  return { record, switchHook, drainTimeoutSeconds, skipRowCounts: pre.skipRowCounts };
}

/**
 * The cutover (product.md step 12): preconditions; the write freeze; the drain (a marker
 * written after the freeze, awaited on the target); the final sequence sync; the user's
 * switch hook; the report of the write-unavailable window. Anything failing before the switch
 * hook succeeds lifts the freeze. Returns undefined on --dry-run.
 */
export async function runCutover(ctx: StepContext, deps: CutoverDeps): Promise<CutoverReport | undefined> {
  const { reporter, clock } = ctx;
  const out = cutoverOutput(ctx.state.outputs);
  if (out.report?.outcome === "switched") {
    reporter.success(`The cutover already switched the app at ${out.report.switchedAt ?? "an earlier run"}.`);
    return out.report;
  }
  if (await liftRecordedFreeze(ctx)) reporter.warn("A write freeze left by an earlier, unfinished cutover was lifted first.");

  const source = await openDatabase(ctx, "source");
  let target: PgClient | undefined;
  try {
    target = await openDatabase(ctx, "target");
    const { record, switchHook, drainTimeoutSeconds, skipRowCounts } = await prepare(ctx, deps, source, target);
    if (ctx.options.dryRun) {
      reporter.info("Dry run: nothing was changed.");
      return undefined;
    }
    // Created only when missing: DDL on the source goes through DMS's DDL capture.
    if (!(await markerTableExists(source))) await ensureMarkerTable(source);
    delete out.report;
    delete out.marker;
    out.freeze = record;
    const frozeAt = clock.now().toISOString();
    let drainedAt: string | undefined;
    try {
      if (record.method !== "none") {
        const spinner = reporter.spinner("Freezing writes on the source");
        await applyFreeze(freezeIo(ctx, source), record);
        spinner.succeed(`Writes frozen on the source${record.terminated.length ? ` (${record.terminated.length} session(s) ended)` : ""}`);
      }
      const marker = await writeMarker(source);
      out.marker = { ...marker, writtenAt: clock.now().toISOString() };
      await ctx.save();
      const spinner = reporter.spinner(`Waiting for the marker (row ${marker.id}) on the target`);
      const seen = await waitForMarker(target, marker, { clock, signal: ctx.signal, timeoutSeconds: drainTimeoutSeconds, spinner }).catch((err: unknown) => {
        spinner.fail();
        throw err;
      });
      drainedAt = seen.toISOString();
      out.marker.seenAt = drainedAt;
      spinner.succeed(`The target has every write made before the freeze (${((seen.getTime() - Date.parse(frozeAt)) / 1000).toFixed(1)} s after it)`);
      // Before the checks: the rows DMS left under an old key are made right first.
      const keyChanges = await repairAtCutover(ctx, source, target);
      const rowCounts = skipRowCounts ? undefined : await exactRowCounts(ctx, deps);
      const sequences = await deps.syncSequences();
      reporter.success(`Sequences synced: ${sequences.summary}`);
      reporter.info("Running your switch command:");
      await runDatabaseHook(ctx, "target", switchHook, "switch hook", { signal: ctx.signal, hint: "Its output is above: fix the command, then run `aurora-migrate cutover` again." });
      const report = { ...switchedReport(frozeAt, drainedAt, clock.now().toISOString(), sequences.summary, rowCounts), ...(keyChanges ? { keyChanges } : {}) };
      out.report = report;
      await ctx.save();
      for (const line of reportLines(report)) reporter.info(line);
      if (record.method !== "none") reporter.info("The source stays frozen so nothing writes to the old server by mistake; `aurora-migrate cutover --unfreeze` lifts it (to roll back).");
      return report;
    } catch (err) {
      throw await rollBack(ctx, err, frozeAt, drainedAt);
    }
  } finally {
    await source.end().catch(() => undefined);
    await target?.end().catch(() => undefined);
  }
}

/**
 * After the freeze and the drain nobody can write and every earlier commit is on the target,
 * so the counts must be equal: any difference is a divergence (a lost or extra row), and
 * switching would carry it over. Throws BlockedError (the caller lifts the freeze).
 */
async function exactRowCounts(ctx: StepContext, deps: CutoverDeps): Promise<string> {
  const spinner = ctx.reporter.spinner("Comparing exact row counts now that the target has every write");
  const counts = await deps.rowCounts().catch((err: unknown) => {
    spinner.fail();
    throw err;
  });
  const differences = exactCountDifferences(counts);
  if (differences.length) {
    spinner.fail(`Row counts differ after the drain in ${differences.length} table(s)`);
    throw new BlockedError(`Row counts differ between source and target after the drain in ${differences.length} table(s): the target lost or gained rows DMS did not replicate.`, {
      details: differences.map((d) => `- ${d}`),
      hint: "Compare the tables (aurora-migrate validate --checksum) and check the task's table statistics and logs; reload the tables that differ, then run the cutover again.",
    });
  }
  const summary = `${counts.length} table(s) equal`;
  spinner.succeed(`Row counts after the drain: ${summary}`);
  return summary;
}

/** Lifts the freeze after a failure and returns the error to throw, saying so. */
async function rollBack(ctx: StepContext, err: unknown, frozeAt: string, drainedAt: string | undefined): Promise<unknown> {
  const out = cutoverOutput(ctx.state.outputs);
  const interrupted = isAbort(err) || ctx.signal.aborted;
  const failure = interrupted ? "interrupted" : errorMessage(err);
  try {
    await liftRecordedFreeze(ctx);
  } catch (liftErr) {
    const e = liftErr instanceof AppError ? liftErr : new OperationError(errorMessage(liftErr));
    return new OperationError(`The cutover failed (${failure}) and lifting the write freeze failed too: ${e.message}`, {
      cause: err,
      details: e.details,
      ...(e.hint ? { hint: e.hint } : {}),
    });
  }
  const report = rolledBackReport(frozeAt, ctx.clock.now().toISOString(), failure, drainedAt);
  out.report = report;
  await ctx.save();
  for (const line of reportLines(report)) ctx.reporter.warn(line);
  if (err instanceof AppError && !interrupted) {
    const hint = [err.hint, "The write freeze was lifted: the source takes writes as before, and the app was not switched."].filter(Boolean).join("\n");
    return Object.assign(err, { hint });
  }
  return err;
}
