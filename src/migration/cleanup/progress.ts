import type { StepContext } from "../context.js";
import type { MigrationState } from "../../state/schema.js";

/** The cleanup step's id and the key of its entry in state.outputs. */
export const CLEANUP_STEP_ID = "cleanup";

/** When cleanup first started removing things (state.outputs.cleanup.startedAt), if it has. */
export function cleanupStartedAt(state: MigrationState): string | undefined {
  const out = state.outputs[CLEANUP_STEP_ID];
  if (typeof out !== "object" || out === null) return undefined;
  const at = (out as { startedAt?: unknown }).startedAt;
  return typeof at === "string" ? at : undefined;
}

/**
 * Records, before the first removal, that cleanup has started: from then on the wizard's done
 * steps are not verified against AWS any more (what they created is being deleted on purpose),
 * so a cleanup stopped half-way can always be run again to the end. Not under --dry-run.
 */
export async function markCleanupStarted(ctx: StepContext): Promise<void> {
  // Kept: a dry run's state (in memory) must not say that cleanup started.
  if (ctx.options.dryRun || cleanupStartedAt(ctx.state) !== undefined) return;
  const out = ctx.state.outputs[CLEANUP_STEP_ID];
  ctx.state.outputs[CLEANUP_STEP_ID] = { ...(typeof out === "object" && out !== null ? out : {}), startedAt: ctx.clock.now().toISOString() };
  await ctx.save();
}
