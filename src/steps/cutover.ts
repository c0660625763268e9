import type { CutoverDeps } from "../cutover/deps.js";
import { type CutoverRunOptions, runCutover } from "../cutover/run-cutover.js";
import { OperationError } from "../errors.js";
import type { Step, StepContext } from "../runner.js";

/**
 * Step 12: the cutover, over the dependencies `makeDeps` provides (AWS, validate). It answers
 * Ctrl-C itself: the runner waits while it lifts its freeze (or says why it keeps it).
 */
export function cutoverStep(makeDeps: (ctx: StepContext) => CutoverDeps, o: CutoverRunOptions = {}): Step {
  return {
    id: "cutover",
    title: "Cutover",
    finishesOnAbort: true,
    async run(ctx) {
      const report = await runCutover(ctx, makeDeps(ctx), o);
      if (!report) throw new OperationError("Dry run: the cutover stopped before changing anything, so the step is not done.");
      if (report.outcome !== "switched") throw new OperationError("The cutover was rolled back.");
      return { summary: `switched; writes unavailable for ${report.windowSeconds ?? "?"} s` };
    },
  };
}
