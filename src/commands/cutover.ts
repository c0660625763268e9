import type { CutoverDeps } from "../cutover/deps.js";
import { cutoverDepsFor } from "../cutover/live-deps.js";
import { cutoverOutput } from "../cutover/record.js";
import { liftRecordedFreeze, runCutover } from "../cutover/run-cutover.js";
import { type GlobalOptions, type StepContext, runSteps } from "../runner.js";
import { type SessionIo, openSession } from "../session.js";
import { commandFor } from "../state/paths.js";
import { cutoverStep } from "../steps/cutover.js";
import { Q } from "../cutover/questions.js";

export interface CutoverFlags {
  /** --skip-validation: start without the row-count check (recorded as the answer). */
  skipValidation?: boolean;
  /** --unfreeze: lift the write freeze recorded in the state, and nothing else. */
  unfreeze?: boolean;
}

/** `aurora-migrate cutover`: the cutover step on the migration in the state file. */
export async function runCutoverCommand(
  options: GlobalOptions,
  flags: CutoverFlags,
  io: SessionIo,
  makeDeps: (ctx: StepContext) => CutoverDeps = cutoverDepsFor,
): Promise<void> {
  const session = await openSession(options, "resume", io);
  const { ctx } = session;
  try {
    if (flags.unfreeze) {
      const lifted = await liftRecordedFreeze(ctx);
      ctx.reporter.success(lifted ? "The write freeze on the source was lifted; every recorded change is undone." : "No write freeze is in place on the source.");
      return;
    }
    if (flags.skipValidation) ctx.state.answers[Q.skipRowCounts] = true;
    if (options.dryRun) {
      await runCutover(ctx, makeDeps(ctx));
      return;
    }
    const again = commandFor("cutover", options);
    await runSteps([cutoverStep(makeDeps)], ctx, { resumeCommand: again });
    const report = cutoverOutput(ctx.state.outputs).report;
    if (report) ctx.reporter.json(report);
  } finally {
    await session.close();
  }
}
