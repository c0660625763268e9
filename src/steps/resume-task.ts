import type { ReplicationTask } from "../adapters/aws/ports.js";
import { OperationError } from "../core/errors.js";
import type { Step } from "../migration/context.js";
import { awsFor } from "../migration/aws/context.js";
import { findTask } from "../migration/aws/lookups.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError } from "../migration/aws/resources.js";
import { verifyTask } from "../migration/aws/recorded-task.js";
import { requireOutput } from "../migration/outputs/read.js";
import { WalWatch } from "../migration/wal-guard.js";

/** Step 10: the task resumes (resume-processing) and applies cached, then ongoing changes. */
export const resumeTaskStep: Step = {
  id: "resume-task",
  title: "Resume the task",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const task = requireOutput(ctx, "dms-task", "The DMS task");
    const read = async (): Promise<ReplicationTask> => {
      const t = await findTask(aws, { arn: task.taskArn });
      if (!t) throw goneError("DMS task", task.taskId, RES.task, ctx.options.statePath);
      return t;
    };
    const current = await read();
    // Idempotent: a task already resuming or running (an earlier attempt got this far) is left alone.
    if (current.Status === "stopped" || current.Status === "failed") {
      await aws.dms.startReplicationTask({ ReplicationTaskArn: task.taskArn, StartReplicationTaskType: "resume-processing" });
      ctx.reporter.success(`Resumed the task ${task.taskId} (resume-processing): cached changes first, then ongoing ones.`);
    }
    // Until the task reads the slot again, it keeps every WAL segment written since step 9.
    const wal = new WalWatch(ctx);
    await pollUntil(ctx, {
      what: `the task ${task.taskId} to run`,
      until: `the task ${task.taskId} runs (cached changes applied first, then ongoing ones)`,
      read: async () => {
        const t = await read();
        await wal.look();
        return t;
      },
      show: (t) => `task ${task.taskId}: ${t.Status ?? "?"}${wal.text}`,
      done: (t) => t.Status === "running",
      failed: (t) =>
        t.Status === "failed" || (t.Status === "stopped" && current.Status !== "stopped")
          ? new OperationError(`The task ${task.taskId} is ${t.Status} instead of running: ${t.LastFailureMessage ?? t.StopReason ?? "no reason given"}`, {
              hint: "See the task's CloudWatch log, fix the cause, then resume.",
            })
          : undefined,
      firstDelayMs: 10_000,
      maxDelayMs: 30_000,
      timeoutMs: 30 * 60_000,
      successText: () => `Task ${task.taskId} is running: changes made on the source since the full load are being applied.`,
    }).finally(() => wal.close());
    return { summary: `${task.taskId} running` };
  },
  verify: verifyTask,
};
