import type { AwsServices, ReplicationTask } from "../adapters/aws/ports.js";
import type { PgClient } from "../adapters/postgres/connect.js";
import { OperationError } from "../core/errors.js";
import { ensureKeyChangeCapture } from "../migration/key-changes/capture-step.js";
import { fullLoadPhase } from "../plan/task-status.js";
import type { Step, StepContext } from "../migration/context.js";
import { awsFor, sourceFacts } from "../migration/aws/context.js";
import { lastLogLines, logDetails } from "../migration/aws/logs.js";
import { findTask } from "../migration/aws/lookups.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError, recordResource, recorded } from "../migration/aws/resources.js";
import { openDatabase } from "../migration/connections.js";
import { verifyTask } from "../migration/aws/recorded-task.js";
import type { DmsTaskOutput, FullLoadOutput } from "../migration/outputs/aws.js";
import { mutableOutput, readOutput, requireOutput } from "../migration/outputs/read.js";
import { readRowEstimates } from "../migration/full-load-estimates.js";
import { WalWatch } from "../migration/wal-guard.js";
import { FullLoadMeter, type RowEstimates, type TableRows, tableKey } from "../ui/progress-full-load.js";

/** One reading of the wait: the task and its tables' statistics. */
interface Reading {
  task: ReplicationTask;
  tables: TableState[];
}

/** Step 8: start the task and wait until it stops after the full load, before cached changes. */
export const fullLoadStep: Step = {
  id: "full-load",
  title: "Full load",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const task = requireOutput(ctx, "dms-task", "The DMS task");
    const progress = mutableOutput(ctx, "full-load", () => ({}));
    // Kept: the real path reads and changes the source (key-change trigger, slot watch) through helpers that do not go through the planned-SQL sink yet.
    if (ctx.options.dryRun) {
      await aws.dms.startReplicationTask({ ReplicationTaskArn: task.taskArn, StartReplicationTaskType: "start-replication" });
      ctx.reporter.info("[dry-run] would first put the key-change trigger on the chosen schemas' tables on the source (asked; aurora_migrate.key_changes), so the cutover can repair primary-key changes DMS ignores.");
      ctx.reporter.info("[dry-run] would wait until the task stops after the full load (STOPPED_AFTER_FULL_LOAD).");
      return { summary: "dry run" };
    }
    const current = await describe(ctx, aws, task);
    const phase = fullLoadPhase(current);
    // Before the task starts (or resumes): every key changed after the full load's snapshot is recorded.
    if (phase.kind !== "done") await withSource(ctx, (source) => ensureKeyChangeCapture(ctx, source));
    const slots = await SlotWatcher.open(ctx, progress);
    const wal = new WalWatch(ctx);
    try {
      if (phase.kind === "never-started") {
        await slots.rememberBefore();
        await aws.dms.startReplicationTask({ ReplicationTaskArn: task.taskArn, StartReplicationTaskType: "start-replication" });
        Object.assign(progress, { startedAt: ctx.clock.now().toISOString(), startType: "start-replication" });
        await ctx.save();
        ctx.reporter.success(`Started the task ${task.taskId} (start-replication).`);
      } else if (phase.kind === "failed" || phase.kind === "stopped") {
        // It ran before: only resume-processing is valid now (start-replication would fail or reload).
        ctx.reporter.info(`The task ${task.taskId} is ${current.Status} (${phase.kind === "failed" ? phase.message : phase.reason}); resuming it.`);
        await aws.dms.startReplicationTask({ ReplicationTaskArn: task.taskArn, StartReplicationTaskType: "resume-processing" });
      }
      const sizes = readOutput(ctx, "source-preflight")?.largestTables.map((t) => [tableKey(t.schema, t.table), t] as const);
      const meter = new FullLoadMeter(await estimates(ctx, task), new Map(sizes));
      const { task: done } = await pollUntil<Reading>(ctx, {
        what: `the full load of ${task.taskId}`,
        until: "the task stops after the full load (STOPPED_AFTER_FULL_LOAD)",
        read: async () => {
          const t = await describe(ctx, aws, task);
          const tables = await tableStates(aws, task.taskArn);
          if (ctx.options.verbose) showTables(ctx, tables);
          await wal.look();
          return { task: t, tables };
        },
        show: (r) => meter.line(ctx.clock.now(), r.task, r.tables) + wal.text,
        done: (r) => fullLoadPhase(r.task).kind === "done",
        failed: ({ task: t }) => {
          const p = fullLoadPhase(t);
          if (p.kind === "failed") return new OperationError(`The DMS task ${task.taskId} failed during the full load: ${p.message}`);
          if (p.kind === "stopped") return new OperationError(`The DMS task ${task.taskId} stopped before the full load finished (${p.reason}).`);
          return undefined;
        },
        onReading: async () => {
          if (meter.progress) Object.assign(progress, { progress: meter.progress });
          await slots.look();
          await ctx.save();
        },
        firstDelayMs: 15_000,
        maxDelayMs: 60_000,
        timeoutMs: 48 * 3600_000,
        successText: ({ task: t, tables }) =>
          `Full load finished: ${t.ReplicationTaskStats?.TablesLoaded ?? 0} tables loaded (${tables.reduce((sum, x) => sum + x.rows, 0)} rows); the task stopped before applying cached changes.`,
      }).catch(async (err: unknown) => {
        if (err instanceof OperationError && /DMS task .* (failed|stopped)/.test(err.message)) throw await withLogs(ctx, aws, task, err);
        throw err;
      });
      await slots.look();
      const errored = done.ReplicationTaskStats?.TablesErrored ?? 0;
      if (errored > 0) {
        const tables = await tableStates(aws, task.taskArn);
        throw new OperationError(`${errored} table(s) failed to load.`, {
          details: tables.filter((t) => t.state === "Table error").map((t) => `${t.schema}.${t.table}: ${t.state}`),
          hint: `See the task's log in CloudWatch, fix the cause, reload them (aws dms reload-tables --replication-task-arn ${task.taskArn} …), then resume.`,
        });
      }
      const slot = recorded(ctx, RES.slot);
      if (!slot) ctx.reporter.warn("Could not find the replication slot DMS created on the source; cleanup will list the slots for you to drop by hand.");
      return { summary: `${done.ReplicationTaskStats?.TablesLoaded ?? 0} tables loaded${slot ? `; slot ${slot.id}` : ""}` };
    } finally {
      await Promise.all([slots.close(), wal.close()]);
    }
  },
  verify: verifyTask,
};

async function withSource(ctx: StepContext, work: (source: PgClient) => Promise<void>): Promise<void> {
  const source = await openDatabase(ctx, "source");
  try {
    await work(source);
  } finally {
    await source.end().catch(() => undefined);
  }
}

async function describe(ctx: StepContext, aws: AwsServices, task: DmsTaskOutput): Promise<ReplicationTask> {
  const t = await findTask(aws, { arn: task.taskArn });
  if (!t) throw goneError("DMS task", task.taskId, RES.task, ctx.options.statePath);
  return t;
}

async function withLogs(ctx: StepContext, aws: AwsServices, task: DmsTaskOutput, err: OperationError): Promise<OperationError> {
  const since = new Date(ctx.clock.now().getTime() - 30 * 60_000);
  const lines = await lastLogLines(aws, { instanceId: task.instanceId, taskResourceId: task.taskResourceId, since });
  return new OperationError(err.message, {
    details: logDetails(lines),
    hint: "Fix the cause shown above, then resume: the task continues with resume-processing, tables already loaded are kept.",
    cause: err,
  });
}

interface TableState extends TableRows {
  state: string;
}

/** Every table's statistics, page by page (DMS returns at most 500 per call). */
async function tableStates(aws: AwsServices, taskArn: string): Promise<TableState[]> {
  const all: TableState[] = [];
  let marker: string | undefined;
  do {
    const out = await aws.dms.describeTableStatistics({ ReplicationTaskArn: taskArn, MaxRecords: 500, ...(marker ? { Marker: marker } : {}) });
    for (const t of out.TableStatistics ?? []) {
      const state = t.TableState ?? "?";
      all.push({ schema: t.SchemaName ?? "?", table: t.TableName ?? "?", state, rows: t.FullLoadRows ?? 0, completed: state === "Table completed" });
    }
    marker = out.Marker;
  } while (marker);
  return all;
}

/** --verbose: per-table statistics. */
function showTables(ctx: StepContext, tables: readonly TableState[]): void {
  for (const t of tables) ctx.reporter.detail(`  ${t.schema}.${t.table}: ${t.state}, ${t.rows} rows`);
}

/** The source's row estimates for the progress line; without them the line extrapolates from DMS's percent. */
async function estimates(ctx: StepContext, task: DmsTaskOutput): Promise<RowEstimates | undefined> {
  try {
    const source = await openDatabase(ctx, "source");
    try {
      return await readRowEstimates(source, task.schemas);
    } finally {
      await source.end().catch(() => undefined);
    }
  } catch (err) {
    ctx.reporter.detail(`No row estimates from the source (${(err as Error).message}); the rows in all are extrapolated from DMS's percent.`);
    return undefined;
  }
}

/**
 * Finds the logical replication slot DMS creates on the source when the task starts, by
 * comparing the database's slots with those before the start, and records it so cleanup can
 * drop it by name (a forgotten slot fills the source's disk with WAL). Best effort: without
 * a source connection the step still runs and says so.
 */
class SlotWatcher {
  private constructor(
    private readonly ctx: StepContext,
    private readonly progress: FullLoadOutput,
    private readonly client: PgClient | undefined,
  ) {}

  static async open(ctx: StepContext, progress: FullLoadOutput): Promise<SlotWatcher> {
    if (ctx.state.resources[RES.slot]) return new SlotWatcher(ctx, progress, undefined);
    try {
      return new SlotWatcher(ctx, progress, await openDatabase(ctx, "source"));
    } catch (err) {
      ctx.reporter.warn(`Cannot connect to the source to note DMS's replication slot: ${(err as Error).message}`);
      return new SlotWatcher(ctx, progress, undefined);
    }
  }

  private async slots(): Promise<{ slot_name: string; plugin: string }[]> {
    const { rows } = await (this.client as PgClient).query<{ slot_name: string; plugin: string }>(
      "SELECT slot_name, plugin FROM pg_replication_slots WHERE slot_type = 'logical' AND database = current_database() ORDER BY slot_name",
    );
    return rows;
  }

  async rememberBefore(): Promise<void> {
    if (!this.client) return;
    this.progress.slotsBefore = (await this.slots()).map((s) => s.slot_name);
    await this.ctx.save();
  }

  async look(): Promise<void> {
    if (!this.client || this.ctx.state.resources[RES.slot] || !this.progress.slotsBefore) return;
    const before = new Set(this.progress.slotsBefore);
    const fresh = (await this.slots()).filter((s) => !before.has(s.slot_name));
    const slot = fresh[0];
    if (!slot) return;
    const source = sourceFacts(this.ctx);
    await recordResource(this.ctx, RES.slot, {
      kind: "replication-slot",
      id: slot.slot_name,
      createdByUs: true,
      plugin: slot.plugin,
      database: source.database,
      host: source.location.host,
    });
    this.ctx.reporter.info(`DMS created the replication slot ${slot.slot_name} on the source (recorded; cleanup drops it).`);
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
  }
}
