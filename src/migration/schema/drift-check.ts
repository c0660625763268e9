import type { PgClient } from "../../adapters/postgres/connect.js";
import { withBoth } from "../../adapters/postgres/sessions.js";
import { errorMessage } from "../../core/errors.js";
import { type DriftReport, compareDrift, describeDrift, matchesOn } from "../../plan/schema-drift.js";
import { openDatabase } from "../connections.js";
import type { StepContext } from "../context.js";
import { type OutputPlace, readOutput } from "../outputs/read.js";
import { recordSchemaDrift } from "../source-watch.js";
import { driftFingerprint, readDriftCatalog } from "./drift-catalog.js";

/**
 * The DDL drift guard: the source's catalog now against the one the schema load recorded.
 * With the target given, a change the target already matches (the user applied it there) no
 * longer counts. Undefined when nothing was recorded (a state from before the guard, or step
 * 7 not done yet).
 */
export async function checkSchemaDrift(place: OutputPlace, source: PgClient, target?: PgClient): Promise<DriftReport | undefined> {
  const loaded = readOutput(place, "schema-load");
  if (!loaded?.drift) return undefined;
  const now = await readDriftCatalog(source, loaded.schemas);
  if (driftFingerprint(now) === loaded.drift.fingerprint) return { differences: [], compared: now.length };
  const report = compareDrift(loaded.drift.objects, now);
  if (!target || report.differences.length === 0) return report;
  const onTarget = await readDriftCatalog(target, loaded.schemas);
  return { ...report, differences: report.differences.filter((d) => !matchesOn(d, onTarget)) };
}

/**
 * The sync wait's look at the drift guard: a warning line per change on the source since the
 * schema load that the target lacks (the cutover will refuse to start until each is applied).
 * Never fails the wait: a check that cannot run says so and the wait goes on.
 */
export async function warnSchemaDrift(ctx: Pick<StepContext, "state" | "secrets" | "prompter" | "reporter" | "clock" | "save">): Promise<void> {
  if (!readOutput(ctx, "schema-load")?.drift) return;
  let lines: string[];
  try {
    const report = await withBoth(
      () => openDatabase(ctx, "source"),
      () => openDatabase(ctx, "target"),
      (source, target) => checkSchemaDrift(ctx, source, target),
    );
    lines = report?.differences.map(describeDrift) ?? [];
    if (report) await recordSchemaDrift(ctx, ctx.clock.now(), { changes: lines, compared: report.compared }); // what `status` shows
  } catch (err) {
    ctx.reporter.warn(`Could not compare the source's schema with the schema load's record: ${errorMessage(err)}`);
    await recordSchemaDrift(ctx, ctx.clock.now(), { notChecked: errorMessage(err) }).catch(() => undefined);
    return;
  }
  if (lines.length === 0) return;
  ctx.reporter.warn(`The source's schema changed after the schema load (${lines.length} change(s)); DMS does not carry DDL, and the cutover will not start until the target has them:`);
  for (const line of lines) ctx.reporter.warn(`  ${line}`);
}
