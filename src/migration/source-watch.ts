/**
 * Records the waits' latest readings on the source in `state.outputs["source-watch"]` and
 * `["schema-drift"]`, so `status` prints them (with their age) without connecting. Best
 * effort: a reading that cannot be recorded never stops a wait.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import type { WalReading, WalVerdict } from "../plan/wal-retention.js";
import type { MigrationState } from "../state/schema.js";
import type { StepContext } from "./context.js";
import { keyChangesTableExists } from "./key-changes/objects.js";
import { countKeyChanges } from "./key-changes/read.js";
import { type OutputPlace, mutableOutput, readOutput, writeOutput } from "./outputs/read.js";

type Place = Pick<StepContext, "state" | "save" | "clock">;

/** The step running now (what `by` names); the runner marks it running before it runs. */
function runningStep(state: MigrationState): string {
  return Object.entries(state.steps).find(([, r]) => r?.status === "running")?.[0] ?? "unknown";
}

/**
 * One WAL reading (undefined: the slot is gone) with its verdict, and, when step 8 installed
 * the key-change capture, the running count of key changes on the same connection; then saved.
 */
export async function recordSourceWatch(ctx: Place, source: PgClient, slot: string, reading: WalReading | undefined, verdict?: WalVerdict, by = runningStep(ctx.state)): Promise<void> {
  const watch = mutableOutput(ctx, "source-watch", () => ({}));
  const at = (reading?.at ?? ctx.clock.now()).toISOString();
  watch.wal = reading
    ? {
        at,
        by,
        slot,
        retainedBytes: reading.retainedBytes,
        ...(verdict?.growthPerHour !== undefined ? { growthPerHour: verdict.growthPerHour } : {}),
        ...(verdict ? { level: verdict.level, message: verdict.message } : {}),
        ...(verdict?.fix ? { fix: verdict.fix } : {}),
        ...(verdict?.limitBytes !== undefined ? { limitBytes: verdict.limitBytes } : {}),
      }
    : { at, by, slot, gone: true };
  await recordKeyChangeCount(ctx, source, by);
}

/** The running count of key changes, when step 8 installed the capture; then saved. A count that fails waits for the next round. */
export async function recordKeyChangeCount(ctx: Place, source: PgClient, by = runningStep(ctx.state)): Promise<void> {
  if (readOutput(ctx, "key-changes")?.capture === "installed") {
    try {
      const at = ctx.clock.now().toISOString();
      const watch = mutableOutput(ctx, "source-watch", () => ({}));
      const removed = !(await keyChangesTableExists(source));
      watch.keyChanges = { at, by, recorded: removed ? (watch.keyChanges?.recorded ?? 0) : await countKeyChanges(source), ...(removed ? { removed } : {}) };
    } catch {
      // Nothing recorded this round.
    }
  }
  await ctx.save();
}

/** The drift guard's latest comparison: the lines of the changes the target lacks (empty: none), or why it could not run. */
export async function recordSchemaDrift(
  ctx: OutputPlace & { save(): Promise<void> },
  at: Date,
  result: { changes: string[]; compared: number } | { notChecked: string },
  by = runningStep(ctx.state),
): Promise<void> {
  writeOutput(ctx, "schema-drift", "notChecked" in result ? { at: at.toISOString(), by, compared: 0, changes: [], notChecked: result.notChecked } : { at: at.toISOString(), by, ...result });
  await ctx.save();
}
