/**
 * --dry-run on the database side, in one place: a service that changes a database (after
 * asking, when it asks) goes through `changeDatabase`. Under --dry-run the statements are
 * printed ("[dry-run] on the source: …;"), nothing is asked and nothing runs; otherwise the
 * question is asked and `apply` runs on yes. The AWS side has its port (adapters/aws/dry-run.ts).
 */
import type { DestructiveQuestion } from "../ui/questions.js";
import type { StepContext } from "./context.js";

export type DatabaseChange = "applied" | "planned" | "declined";

export async function changeDatabase(
  ctx: Pick<StepContext, "options" | "prompter" | "reporter">,
  o: { where: string; statements: readonly string[]; ask?: DestructiveQuestion; apply: () => Promise<void> },
): Promise<DatabaseChange> {
  if (ctx.options.dryRun) {
    for (const sql of o.statements) ctx.reporter.info(`[dry-run] on the ${o.where}: ${sql.replace(/\s*\n\s*/g, " ")};`);
    return "planned";
  }
  if (o.ask && !(await ctx.prompter.confirmDestructive(o.ask))) return "declined";
  await o.apply();
  return "applied";
}
