import type { CutoverDeps } from "../cutover/deps.js";
import { runCutover } from "../cutover/run-cutover.js";
import { OperationError } from "../errors.js";
import type { Step, StepContext } from "../runner.js";

/** Step 12: the cutover, over the dependencies `makeDeps` provides (AWS, validate, sequence sync). */
export function cutoverStep(makeDeps: (ctx: StepContext) => CutoverDeps): Step {
  return {
    id: "cutover",
    title: "Cutover",
    async run(ctx) {
      const report = await runCutover(ctx, makeDeps(ctx));
      if (!report) throw new OperationError("Dry run: the cutover stopped before changing anything, so the step is not done.");
      if (report.outcome !== "switched") throw new OperationError("The cutover was rolled back.");
      return { summary: `switched; writes unavailable for ${report.windowSeconds ?? "?"} s` };
    },
  };
}
