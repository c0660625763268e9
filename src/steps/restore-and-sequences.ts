import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified } from "../plan/sql-text.js";
import { withBoth } from "../adapters/postgres/sessions.js";
import { BlockedError, OperationError, errorMessage } from "../core/errors.js";
import type { Step, StepContext } from "../migration/context.js";
import { readCatalog } from "../migration/schema/catalog.js";
import { printParity } from "../migration/schema/parity-print.js";
import { compareCatalogs, describeDifference, parityFindings } from "../migration/schema/parity.js";
import { applyGrants, existingRoles, missingRoleFindings, planPrivileges, readPrivileges } from "../migration/schema/privileges.js";
import { type MatviewRefreshReport, populatedMatviews, refreshMatviews } from "../migration/schema/matviews.js";
import { invalidIndexes, restoreSetAside } from "../migration/schema/restore.js";
import type { Finding } from "../state/schema.js";
import { type Reporter, failingSpinner } from "../ui/reporter.js";
import { printSequenceReport } from "../migration/sequences/report.js";
import { sequencesBehind, syncSequences } from "../migration/sequences/sync.js";
import { openDatabase } from "../migration/connections.js";
import { readOutput, writeOutput } from "../migration/outputs/read.js";
import { WalWatch, warnWalBeforeRestore } from "../migration/wal-guard.js";
import { readBuildBytes } from "../adapters/postgres/build-sizes.js";
import { resumeCommand } from "../state/paths.js";
import type { SetAsideObject } from "../migration/schema/set-aside.js";
import { formatBytes } from "../plan/lob-sizing.js";
import { ASSUMED_BUILD_BYTES_PER_SECOND, WAL_PROJECTION_QUESTION, type WalLevel, estimateRestoreMs, hours } from "../plan/wal-retention.js";

const STEP_ID = "restore-and-sequences" as const;

/**
 * Step 9, while the DMS task is stopped after the full load: what step 7 set aside comes
 * back (indexes several at a time, then foreign keys), the catalogs must match, and every
 * sequence moves to the source's position, verified, and the source's GRANTs on the migrated
 * schemas are replayed for the roles the target has. Safe to run again after an interruption.
 */
export const restoreAndSequencesStep: Step = {
  id: STEP_ID,
  title: "Restore set-aside objects and reset sequences",
  dryRunPlan:
    "rebuild the set-aside indexes (each partition's, attached to its parent's) and foreign keys on the target, check that every index is valid and catalog parity, refresh the materialized views the source has populated, move every target sequence to the source's position and replay the source's GRANTs.",
  async run(ctx) {
    const loaded = readOutput(ctx, "schema-load");
    if (!loaded) {
      throw new OperationError("The state file records no schema load, so there is nothing to restore.", {
        hint: "The schema load step must run first: resume the wizard, or start a new migration.",
      });
    }
    const jobs = await ctx.prompter.number({
      id: "restore.jobs",
      message: "How many indexes and foreign keys to build at once on the target?",
      help: "each uses one connection and one CPU on the target; 2–4 suits most instances",
      default: 3,
      min: 1,
      max: 32,
      integer: true,
    });
    const { setAside, schemas } = loaded;
    const projected = await guardWalBeforeRestore(ctx, setAside, jobs);
    const partitionIndexes = setAside.reduce((n, o) => n + (o.partitions?.length ?? 0), 0);
    const spinner = ctx.reporter.spinner(`Restoring ${setAside.length} set-aside object(s)${partitionIndexes ? ` and ${partitionIndexes} partition index(es)` : ""}, ${jobs} at a time`);
    // The slot keeps WAL all through the restore: read again between builds, at most once a minute.
    const wal = new WalWatch(ctx, projected);
    let walAt = Number.NEGATIVE_INFINITY;
    let lastProgress = "";
    let walLook: Promise<void> = Promise.resolve();
    const lookAtWal = (): void => {
      const now = ctx.clock.now().getTime();
      if (now - walAt < WAL_LOOK_EVERY_MS) return;
      walAt = now;
      // Best effort (look() never throws); awaited before the watch closes.
      walLook = wal.look().then(() => spinner.update(lastProgress + wal.text));
    };
    const restored = await failingSpinner(spinner, () =>
      restoreSetAside({
        connect: () => openDatabase(ctx, "target"),
        objects: setAside,
        jobs,
        signal: ctx.signal,
        onProgress: (done, total, what, outcome) => {
          lastProgress = `Restored ${done}/${total} (last: ${what}${outcome === "already-present" ? ", already there" : ""})`;
          spinner.update(lastProgress + wal.text);
          lookAtWal();
        },
      }),
    ).finally(() => walLook.then(() => wal.close()));
    spinner.succeed(
      `Restored ${restored.created + restored.validated} object(s)${restored.attached ? `, attached ${restored.attached} partition index(es)` : ""}${restored.alreadyPresent ? ` (${restored.alreadyPresent} already there)` : ""}`,
    );

    return withBoth(() => openDatabase(ctx, "source"), () => openDatabase(ctx, "target"), async (source, target) => {
      const [a, b] = await Promise.all([readCatalog(source, schemas), readCatalog(target, schemas)]);
      const parity = compareCatalogs(a, b);
      const problems = parity.differences.filter((d) => d.severity !== "info");
      printParity(parity, ctx.reporter);
      if (parity.blockers > 0) {
        throw new BlockedError(`The schema parity check failed: ${parity.blockers} blocking difference(s).`, {
          details: problems.filter((d) => d.severity === "blocker").map(describeDifference),
          hint: "Create what is missing on the target (or load the schema again), then resume; the task stays stopped meanwhile.",
        });
      }
      if (problems.length === 0) ctx.reporter.success(`Schema parity: ${parity.compared} object(s) match`);
      await requireValidIndexes(source, target, schemas);
      const matviews = await refreshPopulatedMatviews(source, target, schemas, ctx.reporter, ctx.signal);

      const report = await syncSequences({ source, target, schemas });
      printSequenceReport(report, ctx.reporter);
      // Against the positions the reset read: the app keeps writing on the source meanwhile.
      const behind = await sequencesBehind(source, target, schemas, report.sourceAsRead);
      const outOfRange = report.entries.filter((e) => e.action === "out-of-range");
      if (outOfRange.length > 0) {
        throw new OperationError(`${outOfRange.length} sequence(s) could not take the source's position: the target's definition refuses it.`, {
          details: outOfRange.map((e) => `${e.schema}.${e.name}: ${e.reason}`),
          hint: "Make each sequence's MINVALUE/MAXVALUE/CYCLE on the target match the source's (ALTER SEQUENCE … on the target), then resume.",
        });
      }
      if (behind.length > 0) {
        throw new OperationError(`${behind.length} sequence(s) on the target are still behind the source after the reset.`, {
          details: behind,
          hint: "Something moved them back or the source moved on; resume to reset them again.",
        });
      }
      // Last, once every object exists (parity passed) and the essential work is done: a role
      // the target lacks is a warning, not a failure (the app may use other roles there).
      const privileges = await carryPrivileges(source, target, schemas, ctx.reporter);
        writeOutput(ctx, STEP_ID, {
        restored: restored.created + restored.validated,
        alreadyPresent: restored.alreadyPresent,
        jobs,
        attached: restored.attached,
        parity: { blockers: parity.blockers, warnings: parity.warnings },
        matviews: { refreshed: matviews.refreshed, missingOnTarget: matviews.missing },
        sequences: { moved: report.moved, unchanged: report.unchanged, missingOnTarget: report.missingOnTarget },
        privileges: { granted: privileges.granted, missingRoles: privileges.missingRoles },
        });
      return {
        summary: `restored ${restored.created + restored.validated + restored.attached + restored.alreadyPresent}/${restored.total}; ${matviews.refreshed.length} materialized view(s) refreshed; parity ${parity.warnings ? `${parity.warnings} warning(s)` : "clean"}; ${report.moved} sequence(s) moved; ${privileges.granted} grant(s)`,
        findings: [
          ...parityFindings(parity),
          ...report.entries
            .filter((e) => e.action === "missing-on-target")
            .map((e) => ({
              check: "sequences.missing",
              severity: "warning" as const,
              title: `Sequence ${e.schema}.${e.name} is missing on the target`,
              found: "The source has it; the target does not, so nothing on the target hands out its values.",
              fix: "Create it on the target if the app uses it, then run `aurora-migrate sync-sequences`.",
            })),
          ...privileges.findings,
        ],
      };
    });
  },
};

/** How often the restore reads the slot's WAL again (between builds; a build is never interrupted for it). */
const WAL_LOOK_EVERY_MS = 60_000;

/**
 * Before the restore, with the task stopped (nothing reads the slot until step 10): the WAL the
 * slot keeps now, plus the source's write rate × the restore's estimated length, against
 * max_slot_wal_keep_size or the disk budget. At warn or danger the user chooses to continue or
 * to stop here (and resume once the source has room); --yes continues unless it is danger.
 */
async function guardWalBeforeRestore(ctx: StepContext, setAside: readonly SetAsideObject[], jobs: number): Promise<WalLevel> {
  const restoreMs = await estimateRestore(ctx, setAside, jobs);
  const v = await warnWalBeforeRestore(ctx, restoreMs);
  if (!v || v.level === "ok") return "ok";
  // With no limit at all (max_slot_wal_keep_size = -1, no budget) there is nothing to project
  // against: the warning and its fix are said above; asking at every restore would only teach
  // people to press Enter.
  if (v.limitBytes === undefined) return v.level;
  const choice = await ctx.prompter.select({
    id: WAL_PROJECTION_QUESTION,
    message: "The slot's WAL may outgrow the source's room during the restore. Go on?",
    help: "stop: the state is saved; free disk on the source or raise max_slot_wal_keep_size (or the disk budget), then resume. --yes continues unless the projection is in danger",
    choices: [
      { value: "continue", name: "Continue with the restore" },
      { value: "stop", name: "Stop here: make room on the source, then resume" },
    ],
    default: v.level === "danger" ? "stop" : "continue",
  });
  // Asked each time: an answer given for one projection is not one for the next.
  delete ctx.state.answers[WAL_PROJECTION_QUESTION];
  if (choice === "continue") return v.level;
  const resume = resumeCommand(ctx.options);
  throw new BlockedError(`Stopped before the restore: ${v.level === "danger" ? "the projected WAL retention is in danger" : "the projected WAL retention warns"}.`, {
    details: [
      v.message,
      ...(ctx.options.yes && v.level === "danger" ? [`--yes does not go on when the projection is in danger; to go on anyway unattended, answer "${WAL_PROJECTION_QUESTION}": "continue" in --config.`] : []),
    ],
    hint:
      `Make room: free disk on the source, or raise the limit on the source (${v.fix ?? "ALTER SYSTEM SET max_slot_wal_keep_size = '<size>'; SELECT pg_reload_conf();"}), ` +
      `or give a larger disk budget (--wal-budget, or "source.walBudget" in --config). The task stays stopped and the slot keeps WAL meanwhile, so do not wait long. Then continue with: ${resume}`,
  });
}

/**
 * The restore's estimated length: the bytes of the source's tables and indexes each build reads
 * and writes, at an assumed rate (plan/wal-retention.ts), `jobs` at a time. Undefined when the
 * source cannot be read (then there is no projection, only the current figure and the rate).
 */
async function estimateRestore(ctx: StepContext, setAside: readonly SetAsideObject[], jobs: number): Promise<number | undefined> {
  const builds = setAside.flatMap((o) => {
    const index = o.kind === "foreign-key" ? {} : { index: o.name };
    const parts = o.partitions?.length ? o.partitions.map((p) => ({ schema: p.schema, table: p.table, ...(o.kind === "foreign-key" ? {} : { index: p.name }) })) : [];
    return [{ schema: o.schema, table: o.table, ...index }, ...parts];
  });
  if (builds.length === 0) return 0;
  let source: PgClient | undefined;
  try {
    source = await openDatabase(ctx, "source");
    const bytes = await readBuildBytes(source, builds);
    const ms = estimateRestoreMs(bytes, jobs);
    const total = bytes.reduce((a, b) => a + b, 0);
    ctx.reporter.info(
      `Restore: ~${hours(ms)} (est.: ${builds.length} build(s) over ${formatBytes(total)} of the source's tables and indexes at an assumed ${formatBytes(ASSUMED_BUILD_BYTES_PER_SECOND)}/s per build, ${jobs} at a time).`,
    );
    return ms;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.reporter.detail(`Cannot read the set-aside objects' sizes on the source: ${errorMessage(err)}`);
    return undefined;
  } finally {
    await source?.end().catch(() => undefined);
  }
}

/**
 * Every index in `schemas` must be valid on the target (a partitioned index missing a
 * partition's is not, and then neither ON CONFLICT nor the planner can use it), unless the
 * same index is invalid on the source too (a failed CREATE INDEX CONCURRENTLY left there).
 */
async function requireValidIndexes(source: PgClient, target: PgClient, schemas: readonly string[]): Promise<void> {
  const key = (i: { schema: string; name: string }): string => `${i.schema}.${i.name}`;
  const onSource = new Set((await invalidIndexes(source, schemas)).map(key));
  const invalid = (await invalidIndexes(target, schemas)).filter((i) => !onSource.has(key(i)));
  if (invalid.length === 0) return;
  throw new OperationError(`${invalid.length} index(es) on the target are not valid after the restore: ${invalid.slice(0, 5).map((i) => qualified(i.schema, i.name)).join(", ")}${invalid.length > 5 ? ", …" : ""}.`, {
    details: invalid.map((i) => `${qualified(i.schema, i.name)} on ${qualified(i.schema, i.table)}`),
    hint: "Resume: the restore builds and attaches what is still missing. If one stays invalid, compare it with the source (a partitioned index needs the index of every partition attached: ALTER INDEX parent ATTACH PARTITION child), or drop it on the target and resume to build it again.",
  });
}

/** Refreshes the materialized views the source has populated, in dependency order, and says so. */
async function refreshPopulatedMatviews(source: PgClient, target: PgClient, schemas: readonly string[], reporter: Reporter, signal: AbortSignal): Promise<MatviewRefreshReport> {
  const matviews = await populatedMatviews(source, schemas);
  if (matviews.length === 0) return { refreshed: [], missing: [] };
  const spinner = reporter.spinner(`Refreshing ${matviews.length} materialized view(s)`);
  const report = await failingSpinner(spinner, () =>
    refreshMatviews(target, matviews, { signal, onStart: (m, i) => spinner.update(`Refreshing ${i + 1}/${matviews.length}: ${qualified(m.schema, m.name)}`) }),
  );
  spinner.succeed(`Materialized views refreshed: ${report.refreshed.length}`);
  for (const m of report.refreshed) reporter.detail(m);
  for (const m of report.missing) reporter.warn(`Materialized view ${m} is populated on the source but missing on the target: not refreshed.`);
  return report;
}

/** Replays the source's privileges on the target; what could not be granted becomes findings. */
async function carryPrivileges(source: PgClient, target: PgClient, schemas: readonly string[], reporter: Reporter): Promise<{ granted: number; missingRoles: string[]; findings: Finding[] }> {
  const privileges = await readPrivileges(source, schemas);
  const plan = planPrivileges(privileges, await existingRoles(target, privileges.map((p) => p.grantee)));
  const outcome = await applyGrants(target, plan.grants);
  if (outcome.granted.length > 0) {
    reporter.success(`Privileges carried over: ${outcome.granted.length} GRANT(s) for ${plan.grantees.join(", ")}`);
    for (const s of outcome.granted) reporter.detail(s);
  }
  const findings: Finding[] = [
    ...outcome.failed.map((f) => ({
      check: "privileges.grant-failed",
      severity: "warning" as const,
      title: "A privilege could not be granted on the target",
      found: `${f.statement}: ${f.error}`,
      fix: "Create the object on the target if the app uses it, then run the GRANT there as its master user.",
    })),
    ...missingRoleFindings(plan, "The cutover checks the app's roles again before it switches."),
  ];
  for (const f of findings) reporter.warn(`${f.title}\n${f.fix}`);
  return { granted: outcome.granted.length, missingRoles: plan.missing.map((m) => m.role), findings };
}
