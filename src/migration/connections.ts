import { z } from "zod";
import { type ConnectOptions, type PgClient, connectPg, needsPassword } from "../adapters/postgres/connect.js";
import { type PgLocation, describeLocation, parsePgUrl } from "../adapters/postgres/url.js";
import { UsageError } from "../core/errors.js";
import type { StepContext } from "./context.js";
import type { MigrationState } from "../state/schema.js";

export type DatabaseRole = "source" | "target";

/** The answer id that holds the role's URL (without password). */
export const urlAnswerId = (role: DatabaseRole): string => `${role}.url`;

/** A location as recorded in a state file's step outputs: host, port, database, user, TLS and other parameters. */
export const pgLocationSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  params: z.record(z.string(), z.string()),
});

/**
 * Where the tool itself connects to Aurora, recorded by step 3 as a structured location (the
 * writer endpoint, or the `target.url` the user gave, say a tunnel). State files written
 * before it was recorded this way have only the `target.url` answer: that is read instead.
 */
export function recordedTarget(state: MigrationState): PgLocation | undefined {
  const out = state.outputs["aurora-cluster"];
  const parsed = pgLocationSchema.safeParse(typeof out === "object" && out !== null ? (out as { target?: unknown }).target : undefined);
  return parsed.success ? parsed.data : undefined;
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
