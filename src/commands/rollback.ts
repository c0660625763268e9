import { type GlobalOptions, type StepContext } from "../migration/context.js";
import { rollbackWindowOutput } from "../migration/rollback/output.js";
import { type RollbackDeps, rollbackDepsFor } from "../migration/rollback/rollback-deps.js";
import { rollbackUnfreeze } from "../migration/rollback/rollback-recovery.js";
import { runRollback } from "../migration/rollback/rollback-run.js";
import { UsageError } from "../core/errors.js";
import { type SessionIo, openSession } from "./session.js";

export interface RollbackFlags {
  /** --unfreeze: lift the rollback's freeze on Aurora (and, when the app is still on Aurora, freeze the old server again). */
  unfreeze?: boolean;
  /** --switched: confirm that a switch-back an interrupted run left unfinished did happen. */
  switched?: boolean;
}

/** `aurora-migrate rollback`: back to the old server within the rollback window (migration/rollback/rollback-run.ts). */
export async function runRollbackCommand(options: GlobalOptions, flags: RollbackFlags, io: SessionIo, makeDeps: (ctx: StepContext) => RollbackDeps = rollbackDepsFor): Promise<void> {
  if (flags.unfreeze && flags.switched) throw new UsageError("--unfreeze and --switched say opposite things (the app is on Aurora / on the old server): give one.");
  const session = await openSession(options, "resume", io);
  const { ctx } = session;
  try {
    if (flags.unfreeze) {
      if (options.dryRun) {
        ctx.reporter.info("Dry run: `rollback --unfreeze` would lift the rollback's freeze on Aurora (freezing the old server again when the app is still on Aurora). Nothing was changed.");
        return;
      }
      const lifted = await rollbackUnfreeze(ctx);
      ctx.reporter.success(lifted ? "The rollback's freeze on Aurora was lifted; every recorded change is undone." : "No freeze made by a rollback is in place on Aurora.");
      ctx.reporter.json({ unfrozen: lifted });
      return;
    }
    const before = rollbackWindowOutput(ctx).rollback;
    let failed = true;
    try {
      await runRollback(ctx, makeDeps(ctx), flags.switched ? { switched: true } : {});
      failed = false;
    } finally {
      // With --json the rollback's record goes out on a failure too (what was undone), never a stale one.
      const rb = rollbackWindowOutput(ctx).rollback;
      if (rb && !options.dryRun && (!failed || rb !== before)) ctx.reporter.json(rb);
    }
  } finally {
    await session.close();
  }
}
