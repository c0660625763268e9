import { type PgClient, connectPg, needsPassword } from "../adapters/postgres/connect.js";
import { type PgLocation, describeLocation, parsePgUrl } from "../adapters/postgres/url.js";
import { UsageError } from "../errors.js";
import type { StepContext } from "../runner.js";

export type DatabaseRole = "source" | "target";

/** The answer id that holds the role's URL (without password). */
export const urlAnswerId = (role: DatabaseRole): string => `${role}.url`;

export function recordedLocation(ctx: Pick<StepContext, "state">, role: DatabaseRole): PgLocation {
  const url = ctx.state.answers[urlAnswerId(role)];
  if (typeof url !== "string") {
    throw new UsageError(`The state file has no ${role} connection yet.`, {
      hint: "Run `aurora-migrate resume` so the wizard asks for it, or start a new migration.",
    });
  }
  return parsePgUrl(url).location;
}

/**
 * Opens a session to the source or target recorded in the state. The password comes, in
 * order, from this process's memory (a URL typed earlier), PGPASSWORD or ~/.pgpass (pg reads
 * them), or a hidden prompt; it is kept in memory only.
 */
export async function openDatabase(ctx: Pick<StepContext, "state" | "secrets" | "prompter" | "reporter">, role: DatabaseRole): Promise<PgClient> {
  const loc = recordedLocation(ctx, role);
  const key = `${role}.password`;
  try {
    return await connectPg(loc, ctx.secrets.get(key));
  } catch (err) {
    if (!needsPassword(err) || ctx.secrets.get(key) !== undefined) throw err;
    const password = await ctx.prompter.secret({
      id: key,
      message: `Password for ${describeLocation(loc)}`,
      env: "PGPASSWORD",
    });
    ctx.secrets.set(key, password);
    return connectPg(loc, password);
  }
}
