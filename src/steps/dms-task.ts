import { DMS_LOGS_ROLE_FIX, isAwsError } from "../adapters/aws/errors.js";
import type { AwsServices, ReplicationTask } from "../adapters/aws/ports.js";
import { MARKER_DDL, MARKER_TABLE, TOOL_SCHEMA, ensureMarkerTable } from "../adapters/postgres/marker.js";
import { listPartitionedTables } from "../adapters/postgres/partitioned-tables.js";
import { formatBytes, qualified } from "../plan/sql-text.js";
import { OperationError } from "../core/errors.js";
import { defaultBaseName, lowerIdentifier, validateAwsIdentifier } from "../plan/aws-identifiers.js";
import { planLobSettings } from "../plan/lob-sizing.js";
import { type TableName, buildTableMappings, excludedParents, parallelLoadDifferences, parentsNotExcluded, withParallelLoads } from "../plan/table-mappings.js";
import { DEFAULT_PARALLEL_LOAD_THRESHOLD_BYTES, MAX_FULL_LOAD_SUBTASKS, type ParallelLoadDecision, maxFullLoadSubTasks, partsFor, splitCandidates } from "../plan/parallel-load.js";
import { buildTaskSettings, missingRequiredSettings } from "../plan/task-settings.js";
import type { Step, StepContext } from "../migration/context.js";
import type { Finding } from "../state/schema.js";
import { awsFor, sourceFacts } from "../migration/aws/context.js";
import { findTask } from "../migration/aws/lookups.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError, recordResource, recorded } from "../migration/aws/resources.js";
import { openDatabase } from "../migration/connections.js";
import type { DmsTaskOutput } from "../migration/outputs/aws.js";
import { readOutput, requireOutput, writeOutput } from "../migration/outputs/read.js";
import { changeDatabase } from "../migration/planned-sql.js";
import { verifyTask } from "../migration/aws/recorded-task.js";
import { describeParallelLoad, planParallelLoads } from "../migration/parallel-load-plan.js";
import type { SourcePreflightOutput } from "../migration/outputs/source-preflight.js";

/** Step 6: the full-load-and-cdc task, created with every setting we rely on, and not started. */
export const dmsTaskStep: Step = {
  id: "dms-task",
  title: "DMS task",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const source = sourceFacts(ctx);
    const instance = requireOutput(ctx, "replication-instance", "The replication instance");
    const endpoints = requireOutput(ctx, "dms-endpoints", "The DMS endpoints");
    const findings: Finding[] = [];
    const logsRole = await checkLogsRole(aws);
    if (logsRole) {
      ctx.reporter.warn(logsRole.found);
      findings.push(logsRole);
    }

    const preflight = readOutput(ctx, "source-preflight");
    const answered = ctx.state.answers["source.schemas"];
    const schemas = preflight?.schemas ?? (Array.isArray(answered) ? answered : ["public"]);
    const lob = planLobSettings(preflight?.maxLobBytes);
    const excluded = await partitionedToExclude(ctx, schemas);
    ctx.reporter.info(`Tables: every table of ${schemas.join(", ")}, and the cutover marker ${TOOL_SCHEMA}.${MARKER_TABLE}.`);
    ctx.reporter.info(`LOBs: ${lob.reason}.`);
    let loads = await parallelLoadPlan(ctx, preflight, schemas, excluded, instance.instanceClass);
    const mappings = (): string => JSON.stringify(withParallelLoads(buildTableMappings(schemas, { schema: TOOL_SCHEMA, table: MARKER_TABLE }, excluded), loads.split));

    let task = await existingTask(ctx, aws);
    if (!task) {
      const taskId = await ctx.prompter.text({
        id: "dms.task.id",
        message: "Identifier of the DMS task",
        default: `${defaultBaseName(source.database)}-task`,
        validate: (v) => validateAwsIdentifier(v.trim(), 255),
        normalize: lowerIdentifier,
      });
      await ctx.save();
      await prepareMarker(ctx);
      task = await findTask(aws, { id: taskId });
      if (task) {
        ctx.reporter.info(`Found the task ${taskId} from an earlier run that stopped before recording it; using it.`);
      } else {
        task = (
          await aws.dms.createReplicationTask({
            ReplicationTaskIdentifier: taskId,
            SourceEndpointArn: endpoints.sourceEndpointArn,
            TargetEndpointArn: endpoints.targetEndpointArn,
            ReplicationInstanceArn: instance.instanceArn,
            MigrationType: "full-load-and-cdc",
            TableMappings: mappings(),
            ReplicationTaskSettings: JSON.stringify(buildTaskSettings({ lob: lob.settings, maxFullLoadSubTasks: loads.maxFullLoadSubTasks })),
            Tags: [{ Key: "created-by", Value: "aurora-migrate" }],
          })
        ).ReplicationTask ?? { ReplicationTaskIdentifier: taskId };
        // Not started: the schema load (step 7) comes first; the full load (step 8) starts it.
        ctx.reporter.success(`Created the DMS task ${taskId} (full-load-and-cdc, TRUNCATE_BEFORE_LOAD, stops before cached changes; not started).`);
        if (excluded.length) {
          ctx.reporter.info(
            `Partitioned tables excluded from the task, so that each row is loaded once, through its leaf partition: ${excluded.map((t) => qualified(t.schema, t.table)).join(", ")}.`,
          );
        }
      }
      await recordResource(ctx, RES.task, { kind: "dms-task", id: taskId, ...(task.ReplicationTaskArn ? { arn: task.ReplicationTaskArn } : {}), createdByUs: true });
    }
    const rec = recorded(ctx, RES.task);
    const taskArn = rec?.arn ?? "?";
    const ready = await waitReady(ctx, aws, taskArn, rec?.id ?? "?");
    const problems = missingRequiredSettings(parseJson(ready.ReplicationTaskSettings));
    if (problems.length) {
      throw new OperationError(`DMS stored the task with settings the migration cannot work with.`, {
        details: problems,
        hint: "Fix them with `aws dms modify-replication-task --replication-task-settings …` (the task is not started), then resume.",
      });
    }
    checkPartitionExcludes(ready, rec?.id ?? "?", excluded, mappings());
    // Under --dry-run the source was not read: there is no plan to hold a task to.
    if (!ctx.options.dryRun) loads = checkParallelLoads(ready, rec?.id ?? "?", loads, mappings());
    const output: DmsTaskOutput = {
      taskId: rec?.id ?? "?",
      taskArn,
      taskResourceId: taskArn.split(":").pop() ?? taskArn,
      instanceId: instance.instanceId,
      schemas,
      ...(excluded.length ? { excludedPartitionedTables: excluded } : {}),
      parallelLoad: loads,
    };
    writeOutput(ctx, "dms-task", output);
    const ranges = loads.split.map((s) => `; ${s.table} in ${s.boundaries.length + 1} ranges`).join("");
    return { summary: `${output.taskId}: ${schemas.join(", ")}; ${lob.settings.FullLobMode ? "full LOB mode" : `LOBs up to ${lob.settings.LobMaxSize} KB`}${ranges}`, findings };
  },
  async verify(ctx) {
    await verifyTask(ctx);
  },
};

async function existingTask(ctx: StepContext, aws: AwsServices): Promise<ReplicationTask | undefined> {
  const rec = recorded(ctx, RES.task);
  if (!rec) return undefined;
  if (!rec.arn) return { ReplicationTaskIdentifier: rec.id };
  const found = await findTask(aws, { arn: rec.arn });
  if (!found) throw goneError("DMS task", rec.id, RES.task, ctx.options.statePath);
  return found;
}

/**
 * The partitioned tables of the chosen schemas, read from the source: the task excludes each
 * (DMS would otherwise load its rows through it and again through its partitions).
 */
async function partitionedToExclude(ctx: StepContext, schemas: readonly string[]): Promise<TableName[]> {
  // Kept until the source's SQL goes through a dry-run sink too: the step's other source work (the marker) is skipped alike.
  if (ctx.options.dryRun) {
    ctx.reporter.info(`[dry-run] would read the partitioned tables of ${schemas.join(", ")} from the source and exclude each from the task.`);
    return [];
  }
  const client = await openDatabase(ctx, "source");
  try {
    return excludedParents(schemas, await listPartitionedTables(client, schemas));
  } finally {
    await client.end();
  }
}

/** The stored task (as DMS returns it) must exclude every partitioned table; a reused one may not. */
function checkPartitionExcludes(task: ReplicationTask, taskId: string, excluded: readonly TableName[], mappings: string): void {
  const missing = parentsNotExcluded(task.TableMappings, excluded);
  if (missing.length === 0) return;
  const names = missing.map((t) => qualified(t.schema, t.table));
  throw new OperationError(
    `The DMS task ${taskId} does not exclude the partitioned table${missing.length > 1 ? "s" : ""} ${names.join(", ")}: DMS would load their rows twice, through the parent and through each partition.`,
    {
      details: ["Table mappings the migration needs:", mappings],
      hint: "Give the task these mappings with `aws dms modify-replication-task --replication-task-arn … --table-mappings file://mappings.json` (or delete the task so that the next run creates it), then resume.",
    },
  );
}

/**
 * Which big tables the task loads in ranges (issue 15): those of the preflight's recorded
 * sizes at or above the threshold, split on their primary key from its distribution on the
 * source (migration/parallel-load-plan.ts); shown before the task is created.
 */
async function parallelLoadPlan(
  ctx: StepContext,
  preflight: SourcePreflightOutput | undefined,
  schemas: readonly string[],
  excluded: readonly TableName[],
  instanceClass: string,
): Promise<ParallelLoadDecision> {
  const thresholdBytes = parallelLoadThreshold(process.env);
  const candidates = splitCandidates(preflight?.largestTables ?? [], schemas, excluded, thresholdBytes);
  // Every table of the preflight's count, plus the cutover marker; unknown: the class decides alone.
  const tableCount = preflight ? preflight.tableCount + 1 : MAX_FULL_LOAD_SUBTASKS;
  if (candidates.length === 0) return { thresholdBytes, maxFullLoadSubTasks: maxFullLoadSubTasks(instanceClass, tableCount), split: [], whole: [] };
  // As the partitioned tables above: the source's SQL has no dry-run sink yet.
  if (ctx.options.dryRun) {
    for (const t of candidates) {
      ctx.reporter.info(`[dry-run] would read the key distribution of ${qualified(t.schema, t.table)} (${formatBytes(t.sizeBytes)}) on the source and load it in up to ${partsFor(t.sizeBytes, instanceClass)} ranges of its primary key.`);
    }
    return { thresholdBytes, maxFullLoadSubTasks: maxFullLoadSubTasks(instanceClass, tableCount), split: [], whole: [] };
  }
  const client = await openDatabase(ctx, "source");
  let decision: ParallelLoadDecision;
  try {
    decision = await planParallelLoads(client, { candidates, thresholdBytes, instanceClass, tableCount });
  } finally {
    await client.end();
  }
  ctx.reporter.info(
    `Parallel load of the tables of ${formatBytes(thresholdBytes)} or more (MaxFullLoadSubTasks ${decision.maxFullLoadSubTasks}, from ${instanceClass}):\n` +
      describeParallelLoad(decision).map((l) => `  ${l}`).join("\n"),
  );
  return decision;
}

/**
 * The split threshold: 1 GiB, or, for tests only, AURORA_MIGRATE_TEST_PARALLEL_LOAD_THRESHOLD_BYTES
 * (a whole number of bytes; not a user setting: the end-to-end tests split tables of a few MB).
 */
function parallelLoadThreshold(env: NodeJS.ProcessEnv): number {
  const n = Number(env["AURORA_MIGRATE_TEST_PARALLEL_LOAD_THRESHOLD_BYTES"] ?? Number.NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_PARALLEL_LOAD_THRESHOLD_BYTES;
}

/**
 * The stored task must split the tables the plan splits, on the same columns (a reused task may
 * not): otherwise the step stops with what differs. Boundaries that differ but split the key
 * correctly are kept (the statistics moved since the task was created) and recorded as stored.
 */
function checkParallelLoads(task: ReplicationTask, taskId: string, planned: ParallelLoadDecision, mappings: string): ParallelLoadDecision {
  const { differences, kept } = parallelLoadDifferences(task.TableMappings, planned.split);
  if (differences.length) {
    throw new OperationError(`The DMS task ${taskId} does not load the big tables in the ranges planned:`, {
      details: [...differences, "Table mappings the migration needs:", mappings],
      hint: "Give the task these mappings with `aws dms modify-replication-task --replication-task-arn … --table-mappings file://mappings.json` (or delete the task so that the next run creates it), then resume.",
    });
  }
  const stored = (parseJson(task.ReplicationTaskSettings) as { FullLoadSettings?: { MaxFullLoadSubTasks?: unknown } } | undefined)?.FullLoadSettings?.MaxFullLoadSubTasks;
  return { ...planned, split: kept, ...(typeof stored === "number" && stored > 0 ? { maxFullLoadSubTasks: stored } : {}) };
}

/** The marker table must exist on the source before the task's explicit rule can pick it up. */
async function prepareMarker(ctx: StepContext): Promise<void> {
  await changeDatabase(ctx, {
    where: "source",
    statements: MARKER_DDL,
    apply: async () => {
  const client = await openDatabase(ctx, "source");
  try {
    await ensureMarkerTable(client);
  } finally {
    await client.end();
  }
  ctx.reporter.info(`The source has the cutover marker table ${TOOL_SCHEMA}.${MARKER_TABLE} (cleanup drops it).`);
    },
  });
}

/** Without dms-cloudwatch-logs-role a task writes no log: a warning, since failures then explain less. */
async function checkLogsRole(aws: AwsServices): Promise<Finding | undefined> {
  try {
    await aws.iam.getRole({ RoleName: "dms-cloudwatch-logs-role" });
    return undefined;
  } catch (err) {
    if (!isAwsError(err, "NoSuchEntity", "NoSuchEntityException")) return undefined;
    return {
      check: "aws.dms-cloudwatch-logs-role",
      severity: "warning",
      title: "DMS cannot write task logs",
      found: "The IAM role dms-cloudwatch-logs-role does not exist, so the task writes no CloudWatch log and a failure can only be shown with DMS's one-line message.",
      fix: `Create it once per account (then the task logs from its next start):\n${DMS_LOGS_ROLE_FIX}`,
    };
  }
}

async function waitReady(ctx: StepContext, aws: AwsServices, arn: string, id: string): Promise<ReplicationTask> {
  return pollUntil<ReplicationTask>(ctx, {
    what: `the DMS task ${id}`,
    until: `the task ${id} is ready`,
    read: async () => (await findTask(aws, { arn })) ?? {},
    show: (t) => `task ${id}: ${t.Status ?? "not found"}`,
    // Any state past "creating" will do: on resume the task may already have run.
    done: (t) => t.Status !== undefined && t.Status !== "creating" && t.Status !== "modifying",
    failed: (t) =>
      !t.ReplicationTaskArn
        ? goneError("DMS task", id, RES.task, ctx.options.statePath)
        : t.Status === "failed"
          ? new OperationError(`The DMS task ${id} failed while being created: ${t.LastFailureMessage ?? "no message"}`, { hint: "Check the table mappings and settings in the DMS console, fix, then resume." })
          : undefined,
    firstDelayMs: 5_000,
    maxDelayMs: 30_000,
    timeoutMs: 20 * 60_000,
    successText: (t) => `Task ${id} is ${t.Status ?? "?"} (not started).`,
  });
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
