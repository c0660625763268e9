import type { PgClient } from "../adapters/postgres/connect.js";
import { listUserSchemas } from "../adapters/postgres/schemas.js";
import type { StepContext } from "./context.js";
import { readOutput } from "./outputs/read.js";

/**
 * The schemas being migrated: those the source preflight recorded, else the answer
 * `source.schemas` (asked here, all user schemas by default, when nothing recorded it).
 */
export async function chosenSchemas(ctx: Pick<StepContext, "state" | "prompter">, source: PgClient): Promise<string[]> {
  const recorded = readOutput(ctx, "source-preflight")?.schemas;
  if (recorded && recorded.length > 0) return recorded;
  const all = await listUserSchemas(source);
  const answered = ctx.state.answers["source.schemas"];
  const known = Array.isArray(answered) ? answered : typeof answered === "string" ? answered.split(",").map((s) => s.trim()) : [];
  const choices = [...new Set([...all, ...known])].map((s) => ({ value: s, name: s }));
  return ctx.prompter.multiSelect({ id: "source.schemas", message: "Schemas to migrate", choices, default: all, help: "every non-system schema by default" });
}
