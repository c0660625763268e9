import type { CutoverDeps } from "../migration/cutover/deps.js";
import { cutoverDepsFor } from "../migration/cutover/live-deps.js";
import { cutoverOutput } from "../migration/cutover/output.js";
import { runCutover, unfreezeCommand } from "../migration/cutover/run-cutover.js";
import { type GlobalOptions, type StepContext } from "../migration/context.js";
import { runSteps } from "../wizard/runner.js";
import { type SessionIo, openSession } from "./session.js";
import { commandFor } from "../state/paths.js";
import { cutoverStep } from "../steps/cutover.js";
import { Q } from "../migration/cutover/questions.js";
import { VERIFY_MODES } from "../migration/cutover/record.js";
import { UsageError } from "../core/errors.js";

export interface CutoverFlags {
  /** --skip-validation: start without the row-count check (recorded as the answer). */
  skipValidation?: boolean;
  /** --unfreeze: lift the write freeze recorded in the state, and nothing else. */
  unfreeze?: boolean;
  /** --switched: confirm that a switch an interrupted run left unfinished did happen. */
  switched?: boolean;
  /** --verify counts|checksum|none: the comparison after the switch (answers cutover.verify). */
  verify?: string;
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
      const lifted = await unfreezeCommand(ctx);
      ctx.reporter.success(lifted ? "The write freeze on the source was lifted; every recorded change is undone." : "No write freeze is in place on the source.");
      ctx.reporter.json({ unfrozen: lifted });
      return;
    }
    if (flags.skipValidation) {
      ctx.state.answers[Q.skipRowCounts] = true;
      ctx.state.answers[Q.verify] = "none";
    }
    if (flags.verify !== undefined) {
      if (!(VERIFY_MODES as readonly string[]).includes(flags.verify)) {
        throw new UsageError(`--verify must be one of ${VERIFY_MODES.join(", ")}, got ${flags.verify}.`);
      }
      ctx.state.answers[Q.verify] = flags.verify;
    }
    const run = flags.switched ? { switched: true } : {};
    if (options.dryRun) {
      await runCutover(ctx, makeDeps(ctx), run);
      return;
    }
    const again = commandFor("cutover", options);
    const before = cutoverOutput(ctx).report;
    let failed = true;
    try {
      await runSteps([cutoverStep(makeDeps, run)], ctx, { resumeCommand: again });
      failed = false;
    } finally {
      // With --json the report goes out on exit 3 too (a difference after the switch), never a stale one.
      const report = cutoverOutput(ctx).report;
      if (report && (!failed || report !== before)) ctx.reporter.json(report);
    }
  } finally {
    await session.close();
  }
}
