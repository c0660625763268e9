import type { PgClient } from "../../adapters/postgres/connect.js";
import { OperationError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { chosenSchemas } from "../chosen-schemas.js";
import { type CaptureFacts, installCapture, lackingPrivileges, privilegeFix, readCaptureFacts } from "./install.js";
import { KEY_CHANGES_OUTPUT, type KeyChangesOutput } from "./record.js";
import { failingSpinner } from "../../ui/reporter.js";

/** Question id (a key in --config and the state's answers: never rename it). */
export const CAPTURE_QUESTION = "keyChanges.capture";

const LOSS = "DMS ignores an UPDATE that changes a primary key: the target keeps such a row under its old key, and later changes to it are lost there.";

/**
 * Step 8, before the task starts: asks, then puts the key-change trigger on every table with a
 * primary key of the chosen schemas, so that every key changed after the full load's snapshot
 * is recorded and the cutover can re-copy those rows. Runs again on every start or resume of
 * the step (idempotent: it adds what is missing). Without the privileges it stops with the
 * exact GRANTs, or goes on without at the user's word.
 */
export async function ensureKeyChangeCapture(ctx: StepContext, source: PgClient): Promise<void> {
  const { prompter, reporter } = ctx;
  const facts = await readCaptureFacts(source, await chosenSchemas(ctx, source));
  const want = await prompter.confirm({
    id: CAPTURE_QUESTION,
    message: `Record primary-key changes on the source (a trigger on ${facts.tables.length} table(s), so the cutover repairs them)?`,
    help: `${LOSS} The trigger writes a row only when a key changes; cleanup removes it.`,
    default: true,
  });
  if (!want) {
    reporter.warn(`Primary-key changes are not recorded. ${LOSS}`);
    await record(ctx, { capture: "declined", tables: [], withoutKey: facts.withoutKey });
    return;
  }
  const lacking = lackingPrivileges(facts);
  if (lacking.length) {
    // Forget the answer, so that a resume asks again (or takes --config): the user may go on without.
    delete ctx.state.answers[CAPTURE_QUESTION];
    await ctx.save();
    throw new OperationError(`The source login ${facts.login} cannot put the key-change trigger on ${lacking.length} table(s) (it needs to own them, or be a member of their owner).`, {
      details: lacking.slice(0, 20).map((t) => `- ${t.schema}.${t.table} (owner ${t.owner})`).concat(lacking.length > 20 ? [`- … and ${lacking.length - 20} more`] : []),
      hint:
        `Run on the source as a superuser:\n${privilegeFix(facts).map((s) => `  ${s}`).join("\n")}\nthen resume. ` +
        `Or resume and answer no to "Record primary-key changes" (--config: "${CAPTURE_QUESTION}": false) to go on without: ${LOSS}`,
    });
  }
  const spinner = reporter.spinner(`Putting the key-change trigger on ${facts.tables.length} table(s)`);
  const { created } = await failingSpinner(spinner, () => installCapture(source, facts));
  spinner.succeed(`Primary-key changes are recorded on ${facts.tables.length} table(s) of the source (${created} trigger(s) created now; cleanup removes them)`);
  if (facts.withoutKey) reporter.info(`${facts.withoutKey} table(s) without a primary key have no trigger (DMS does not replicate their UPDATEs or DELETEs at all; the preflight listed them).`);
  await record(ctx, { capture: "installed", tables: tablesOf(facts), installedAt: ctx.clock.now().toISOString(), withoutKey: facts.withoutKey });
}

const tablesOf = (facts: CaptureFacts): KeyChangesOutput["tables"] => facts.tables.map((t) => ({ schema: t.schema, table: t.table }));

async function record(ctx: StepContext, out: KeyChangesOutput): Promise<void> {
  ctx.state.outputs[KEY_CHANGES_OUTPUT] = out;
  await ctx.save();
}
