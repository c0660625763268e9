import { type ConnectOptions, type PgClient, connectPg, needsPassword } from "../adapters/postgres/connect.js";
import { type PgLocation, describeLocation, parsePgUrl } from "../adapters/postgres/url.js";
import { UsageError } from "../core/errors.js";
import type { StepContext } from "./context.js";
import type { MigrationState } from "../state/schema.js";
import { readOutput } from "./outputs/read.js";

export type DatabaseRole = "source" | "target";

/** The answer id that holds the role's URL (without password). */
export const urlAnswerId = (role: DatabaseRole): string => `${role}.url`;

/**
 * Where the tool itself connects to Aurora, recorded by step 3 as a structured location (the
 * writer endpoint, or the `target.url` the user gave, say a tunnel). State files written
 * before it was recorded this way have only the `target.url` answer: that is read instead.
 */
export function recordedTarget(state: MigrationState): PgLocation | undefined {
  return readOutput({ state }, "aurora-cluster")?.target;
}

/** Whether a target is recorded yet (step 3 got that far, or an older state's `target.url` answer). */
export function hasTarget(ctx: Pick<StepContext, "state">): boolean {
  return recordedTarget(ctx.state) !== undefined || typeof ctx.state.answers[urlAnswerId("target")] === "string";
}

export function recordedLocation(ctx: Pick<StepContext, "state">, role: DatabaseRole): PgLocation {
  const structured = role === "target" ? recordedTarget(ctx.state) : undefined;
  if (structured) return structured;
  const url = ctx.state.answers[urlAnswerId(role)];
  if (typeof url !== "string" || url === "") {
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
export async function openDatabase(ctx: Pick<StepContext, "state" | "secrets" | "prompter" | "reporter">, role: DatabaseRole, options: ConnectOptions = {}): Promise<PgClient> {
  const loc = recordedLocation(ctx, role);
  const key = `${role}.password`;
  try {
    return await connectPg(loc, ctx.secrets.get(key), options);
  } catch (err) {
    if (!needsPassword(err) || ctx.secrets.get(key) !== undefined) throw err;
    const password = await ctx.prompter.secret({
      id: key,
      message: `Password for ${describeLocation(loc)}`,
      env: "PGPASSWORD",
    });
    ctx.secrets.set(key, password);
    return connectPg(loc, password, options);
  }
}
