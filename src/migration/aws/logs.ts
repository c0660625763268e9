import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices } from "../../adapters/aws/ports.js";

/**
 * The last lines of the task's CloudWatch log (group `dms-tasks-<instance id>`, stream
 * `dms-task-<task resource id>`), shown with a failure. Best effort: no log (no
 * dms-cloudwatch-logs-role, logging off, no permission) gives an empty list, never an error.
 */
export async function lastLogLines(aws: AwsServices, o: { instanceId: string; taskResourceId?: string; since: Date; limit?: number }): Promise<string[]> {
  const { instanceId, taskResourceId, limit = 15 } = o;
  try {
    const out = await aws.logs.filterLogEvents({
      logGroupName: `dms-tasks-${instanceId.toLowerCase()}`,
      ...(taskResourceId ? { logStreamNames: [`dms-task-${taskResourceId}`] } : {}),
      // Newest lines matter; the window keeps the first page from being hours-old noise.
      startTime: o.since.getTime(),
      limit: 500,
    });
    const lines = (out.events ?? []).map((e) => (e.message ?? "").trimEnd()).filter(Boolean);
    return lines.slice(-limit);
  } catch (err) {
    if (isAwsError(err, "ResourceNotFoundException")) return [];
    return [];
  }
}

/** Lines for an error's details: the log, or why there is none. */
export function logDetails(lines: string[]): string[] {
  if (lines.length === 0) return ["(no CloudWatch log lines for this task: see the dms-cloudwatch-logs-role note, or the DMS console)"];
  return ["Last lines of the task's CloudWatch log:", ...lines.map((l) => `  ${l}`)];
}
