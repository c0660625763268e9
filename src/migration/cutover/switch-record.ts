import { BlockedError, InterruptedError, OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { commandFor } from "../../state/paths.js";
import { Q } from "./questions.js";
import { type CutoverReport, type SwitchRecord } from "./record.js";
import { cutoverOutput } from "./output.js";

/**
 * Records that the switch hook is about to run and saves the state (the save is fsynced)
 * before it starts: from here on, a crash can never be taken for a cutover that did not switch.
 */
export async function recordSwitchStarted(ctx: StepContext, hook: string): Promise<SwitchRecord> {
  const record: SwitchRecord = { hook, startedAt: ctx.clock.now().toISOString() };
  cutoverOutput(ctx).switch = record;
  await ctx.save();
  return record;
}

/** The switch recorded as started and neither finished nor abandoned: the app may be on either server. */
export function pendingSwitch(ctx: Pick<StepContext, "state">): SwitchRecord | undefined {
  const s = cutoverOutput(ctx).switch;
  return s && !s.finishedAt && !s.abandonedAt ? s : undefined;
}

/** The two ways out of a switch that may or may not have happened, as lines of a hint. */
export function twoExits(ctx: Pick<StepContext, "options">): string {
  return [
    "The source stays frozen: the app may already be writing on the target, and lifting the freeze now could let it write on both.",
    "Check where the app points, then either:",
    `- it is on the target: \`${commandFor("cutover", ctx.options)} --switched\` records the switch as done;`,
    `- it is not: point it back at the source if needed, then \`${commandFor("cutover", ctx.options)} --unfreeze\` lifts the freeze (then run the cutover again).`,
  ].join("\n");
}

/** The error for a switch hook the tool had to end (timeout or Ctrl-C): the freeze is kept. */
export function switchUnsettledError(ctx: StepContext, cause: unknown, interrupted: boolean): Error {
  const what = interrupted ? "The cutover was interrupted while the switch command ran" : "The switch command did not finish";
  const message = `${what}; it was ended. The app may already have been switched to the target, so the write freeze on the source was NOT lifted.`;
  const options = { cause, hint: twoExits(ctx), details: cause instanceof OperationError ? [cause.message, ...cause.details] : [] };
  return interrupted ? new InterruptedError(message, options) : new OperationError(message, options);
}

/**
 * On a new run, a switch recorded as started and not finished (the tool was killed while the
 * hook ran): never lifts the freeze. `--switched` (or, when someone can be asked, a "yes")
 * finishes the cutover as switched; anything else stops with the two ways out.
 */
export async function settlePendingSwitch(ctx: StepContext, pending: SwitchRecord, o: { switched?: boolean }): Promise<CutoverReport> {
  ctx.reporter.warn(
    `The switch command started at ${pending.startedAt} and its end was never recorded (the tool was stopped while it ran). The app may already be on the target.`,
  );
  let confirmed = o.switched === true;
  if (!confirmed && !ctx.options.yes) {
    confirmed = await ctx.prompter.confirm({ id: Q.switchHappened, message: "Is the app now using the target (did the switch command do its work)?", default: false });
    // One answer per crashed switch: never reused for a later one.
    delete ctx.state.answers[Q.switchHappened];
  }
  if (!confirmed) {
    throw new BlockedError("A switch to the target was started and may have happened; the write freeze on the source is kept. Nothing was changed.", { hint: twoExits(ctx) });
  }
  const out = cutoverOutput(ctx);
  const now = ctx.clock.now().toISOString();
  pending.finishedAt = now;
  pending.confirmedByUser = true;
  const frozeAt = out.freeze?.frozenAt ?? pending.startedAt;
  const report: CutoverReport = {
    frozeAt,
    ...(out.marker?.seenAt ? { drainedAt: out.marker.seenAt } : {}),
    switchedAt: now,
    outcome: "switched",
    // The snapshot of the drain died with the crashed run, and the app writes on the target now.
    verification: { mode: "none", result: "skipped", differences: [], error: "not possible after a crash during the switch: compare the tables yourself (aurora-migrate validate)" },
  };
  out.report = report;
  await ctx.save();
  ctx.reporter.success("The switch is recorded as done, as you confirmed. The source stays frozen; `aurora-migrate cutover --unfreeze` lifts it (to roll back).");
  return report;
}
