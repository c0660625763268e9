import { z } from "zod";
import { describeLocation, parsePgUrl, stripPassword } from "../adapters/postgres/url.js";
import type { Step, StepContext } from "../migration/context.js";
import { openDatabase, urlAnswerId } from "../migration/connections.js";
import { failingSpinner } from "../ui/reporter.js";

export const sourceConnectionOutput = z.object({
  serverVersion: z.string(),
  serverVersionNum: z.number().int(),
  database: z.string(),
  user: z.string(),
});
export type SourceConnectionOutput = z.infer<typeof sourceConnectionOutput>;

function validateUrl(value: string): string | undefined {
  try {
    parsePgUrl(value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Step 1: where the source is. The password never reaches the state file. */
export const sourceConnectionStep: Step = {
  id: "source-connection",
  title: "Source connection",
  async run(ctx: StepContext) {
    const id = urlAnswerId("source");
    const typed = await ctx.prompter.text({
      id,
      message: "Source PostgreSQL URL",
      help: "postgres://user@host:5432/dbname — the password may be in the URL, PGPASSWORD or ~/.pgpass, or asked next",
      validate: validateUrl,
      // After a failed attempt, let the person correct the URL (the old one is the default).
      askAgain: (ctx.state.steps["source-connection"]?.attempts ?? 0) > 1,
      normalize: (v) => {
        // Keep a typed password for this process only; record the URL without it.
        const { password } = parsePgUrl(v);
        if (password !== undefined) ctx.secrets.set("source.password", password);
        return stripPassword(v);
      },
    });
    const loc = parsePgUrl(typed).location;
    const spinner = ctx.reporter.spinner(`Connecting to ${describeLocation(loc)}`);
    const client = await failingSpinner(spinner, () => openDatabase(ctx, "source"));
    try {
      const { rows } = await client.query<{ server_version: string; server_version_num: string; db: string; usr: string }>(
        "SELECT current_setting('server_version') AS server_version, current_setting('server_version_num') AS server_version_num, current_database() AS db, current_user AS usr",
      );
      const row = rows[0]!;
      const output: SourceConnectionOutput = {
        serverVersion: row.server_version,
        serverVersionNum: Number(row.server_version_num),
        database: row.db,
        user: row.usr,
      };
      ctx.state.outputs["source-connection"] = output;
      spinner.succeed(`Connected to ${describeLocation(loc)} (PostgreSQL ${output.serverVersion})`);
      return { summary: `${describeLocation(loc)}, PostgreSQL ${output.serverVersion}` };
    } finally {
      await client.end();
    }
  },
};
