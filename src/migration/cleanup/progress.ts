import type { StepContext } from "../context.js";
import type { MigrationState } from "../../state/schema.js";
import { readOutput, writeOutput } from "../outputs/read.js";

/** The cleanup step's id and the key of its entry in state.outputs. */
export const CLEANUP_STEP_ID = "cleanup" as const;

/** When cleanup first started removing things (state.outputs.cleanup.startedAt), if it has. */
export function cleanupStartedAt(state: MigrationState): string | undefined {
  return readOutput({ state }, CLEANUP_STEP_ID)?.startedAt;
}

/**
 * Records, before the first removal, that cleanup has started: from then on the wizard's done
 * steps are not verified against AWS any more (what they created is being deleted on purpose),
 * so a cleanup stopped half-way can always be run again to the end. Not under --dry-run.
 */
export async function markCleanupStarted(ctx: StepContext): Promise<void> {
  // Kept: a dry run's state (in memory) must not say that cleanup started.
  if (ctx.options.dryRun || cleanupStartedAt(ctx.state) !== undefined) return;
  writeOutput(ctx, CLEANUP_STEP_ID, { ...readOutput(ctx, CLEANUP_STEP_ID), startedAt: ctx.clock.now().toISOString() });
  await ctx.save();
}
