import type { StepContext } from "../context.js";
import { awsFor } from "./context.js";
import { findTask } from "./lookups.js";
import { RES, goneError, recorded } from "./resources.js";

/** For the task's step and every step after it: the recorded DMS task must still exist. */
export async function verifyTask(ctx: StepContext): Promise<void> {
  const rec = recorded(ctx, RES.task);
  if (!rec?.arn) return;
  if (!(await findTask(await awsFor(ctx), { arn: rec.arn }))) throw goneError("DMS task", rec.id, RES.task, ctx.options.statePath);
}
