import type { CutoverDeps } from "../migration/cutover/deps.js";
import { type CutoverRunOptions, runCutover } from "../migration/cutover/run-cutover.js";
import { OperationError } from "../core/errors.js";
import type { Step, StepContext } from "../migration/context.js";

/**
 * Step 12: the cutover, over the dependencies `makeDeps` provides (AWS, validate). It answers
 * Ctrl-C itself: the runner waits while it lifts its freeze (or says why it keeps it).
 */
export function cutoverStep(makeDeps: (ctx: StepContext) => CutoverDeps, o: CutoverRunOptions = {}): Step {
  return {
    id: "cutover",
    title: "Cutover",
    finishesOnAbort: true,
    // Under --dry-run the target and the task may exist only as printed calls, so nothing can be read from them.
    dryRunPlan:
      "check that the DMS task runs with its latency under the threshold (DMS DescribeReplicationTasks, CloudWatch GetMetricData) and that row counts are within CDC lag; " +
      "freeze the app's writes on the source (the roles you choose lose INSERT, UPDATE and DELETE and their sessions are ended, or your freeze hook runs); " +
      "write a marker row on the source and wait for it on the target; re-copy the rows whose primary key changed; " +
      "sync every sequence to the source's position; run your switch hook; anything failing before the switch lifts the freeze. " +
      "Once the target and the task exist, `aurora-migrate cutover --dry-run` prints the exact statements.",
    async run(ctx) {
      const report = await runCutover(ctx, makeDeps(ctx), o);
      if (!report) throw new OperationError("Dry run: the cutover stopped before changing anything, so the step is not done.");
      if (report.outcome !== "switched") throw new OperationError("The cutover was rolled back.");
      return { summary: `switched; writes unavailable for ${report.windowSeconds ?? "?"} s` };
    },
  };
}
