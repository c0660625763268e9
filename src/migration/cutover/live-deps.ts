import type { PgClient } from "../../adapters/postgres/connect.js";
import { BlockedError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { recordedTaskReadings } from "../aws/task-readings.js";
import { RES } from "../aws/resources.js";
import { chosenSchemas } from "../chosen-schemas.js";
import { openDatabase } from "../connections.js";
import type { DmsTaskOutput } from "../outputs/aws.js";
import { readOutput } from "../outputs/read.js";
import { validateDatabases } from "../validate/compare.js";
import type { CutoverDeps } from "./deps.js";
import type { TableCount } from "./row-counts.js";

/** The task step 6 recorded; without one there is nothing to cut over from. */
function recordedTask(ctx: StepContext): DmsTaskOutput {
  const task = readOutput(ctx, "dms-task");
  if (!task) {
    throw new BlockedError(`No DMS task is recorded in ${ctx.options.statePath}, so there is no replication to cut over from. Nothing was changed.`, {
      hint: "Run the wizard (aurora-migrate resume) through step 11, the sync wait, then run the cutover.",
    });
  }
  return task;
}

/**
 * The cutover's dependencies for a migration recorded in the state: the task's status and its
 * CDC latency from the AWS services of this run (the same lookups and CloudWatch query as the
 * sync wait) and `validate`'s row counts over the migrated schemas. Under --dry-run the AWS reads are printed, not made, and assumed fine so
 * the rest of the plan can be shown.
 */
export function cutoverDepsFor(ctx: StepContext): CutoverDeps {
  const task = recordedTaskReadings(ctx, { gone: "DMS task", subject: "The task" }, () => {
    const t = recordedTask(ctx);
    return { id: t.taskId, arn: t.taskArn, resourceKey: RES.task, instanceId: t.instanceId, taskResourceId: t.taskResourceId };
  });
  return {
    taskStatus: () => task.status(),
    cdcLatencySeconds: () => task.latencySeconds(),

    async rowCounts(): Promise<TableCount[]> {
      const schemas = await withSource(ctx, (source) => chosenSchemas(ctx, source));
      const report = await validateDatabases({
        connectSource: () => openDatabase(ctx, "source"),
        connectTarget: () => openDatabase(ctx, "target"),
        schemas,
        checksum: false,
        parity: false,
        signal: ctx.signal,
      });
      return report.tables.flatMap((t) =>
        t.status === "only-on-target"
          ? []
          : [{ table: `${t.schema}.${t.table}`, source: Number(t.sourceRows ?? 0), target: t.status === "missing-on-target" ? undefined : Number(t.targetRows ?? 0) }],
      );
    },
  };
}

async function withSource<T>(ctx: StepContext, work: (source: PgClient) => Promise<T>): Promise<T> {
  const source = await openDatabase(ctx, "source");
  try {
    return await work(source);
  } finally {
    await source.end().catch(() => undefined);
  }
}
