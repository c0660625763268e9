import { jointPoints } from "../../plan/sync-verdict.js";
import type { StepContext } from "../context.js";
import { awsFor } from "./context.js";
import { readLatencySeries } from "./latency.js";
import { findTask } from "./lookups.js";
import { goneError } from "./resources.js";

/** A DMS task recorded in the state, as the readings below need it. */
export interface RecordedTaskRef {
  id: string;
  arn?: string;
  /** The state's resource key, named when the task is gone. */
  resourceKey: string;
  /** What CloudWatch's DMS metrics are keyed by. */
  instanceId: string;
  taskResourceId: string;
}

/** The task's names in messages: `gone` in "… was deleted outside the tool", `subject` in "[dry-run] <subject>'s status …". */
export interface TaskNames {
  gone: string;
  subject: string;
}

export interface RecordedTaskReadings {
  status(): Promise<string>;
  /** The larger of CDCLatencySource and CDCLatencyTarget at the latest joint point; undefined while none. */
  latencySeconds(): Promise<number | undefined>;
}

/**
 * A recorded task's status and CDC latency, read from this run's AWS services (the sync wait's
 * lookup and CloudWatch query): what the cutover judges the forward task by and the rollback the
 * reverse one. Under --dry-run both are read (so a missing permission shows) and then assumed
 * ready, so the rest of the plan is shown whatever the task's state; the real run judges it.
 * `ref` is called at each reading (a task missing from the state is the caller's error to say).
 */
export function recordedTaskReadings(ctx: StepContext, names: TaskNames, ref: () => RecordedTaskRef): RecordedTaskReadings {
  const assumed = (what: string): void => ctx.reporter.info(`[dry-run] ${what} is not read in a dry run; assumed ready so the rest of the plan is shown.`);
  return {
    async status() {
      const task = ref();
      const aws = await awsFor(ctx);
      if (ctx.options.dryRun) {
        await aws.dms.describeReplicationTasks({ Filters: [{ Name: task.arn ? "replication-task-arn" : "replication-task-id", Values: [task.arn ?? task.id] }] });
        assumed(`${names.subject}'s status`);
        return "running";
      }
      const found = await findTask(aws, task.arn ? { arn: task.arn } : { id: task.id });
      if (!found) throw goneError(names.gone, task.id, task.resourceKey, ctx.options.statePath);
      return found.Status ?? "unknown";
    },

    async latencySeconds() {
      const task = ref();
      const aws = await awsFor(ctx);
      const { source, target } = await readLatencySeries(aws, task, ctx.clock.now());
      if (ctx.options.dryRun) {
        assumed(`${names.subject}'s CDC latency`);
        return 0;
      }
      const latest = jointPoints(source, target)[0];
      return latest ? Math.max(latest.source, latest.target) : undefined;
    },
  };
}
