import { UsageError } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { planValue } from "../../adapters/aws/dry-run.js";

/** The source password for DMS, for unattended runs (README: "Unattended runs"). */
export const SOURCE_PASSWORD_ENV = "AURORA_MIGRATE_SOURCE_PASSWORD";
/** The password of a dedicated migration login on Aurora, for unattended runs. */
export const TARGET_PASSWORD_ENV = "AURORA_MIGRATE_TARGET_PASSWORD";

/** A variable's value; an empty one counts as unset. */
function fromEnv(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : v;
}

/**
 * A password DMS needs (kept in this process only, never recorded): from this process's memory
 * (a URL typed earlier), the environment variables in order, or a hidden prompt. Unattended,
 * with none of them, the error names every way to give it.
 */
export async function passwordForDms(
  ctx: StepContext,
  o: { key: string; env: readonly string[]; message: string; help?: string; ways: string[] },
): Promise<string> {
  const known = ctx.secrets.get(o.key) ?? o.env.map(fromEnv).find((v) => v !== undefined);
  if (known !== undefined) {
    ctx.secrets.set(o.key, known);
    return known;
  }
  // Kept: this password only ever goes to AWS, which a dry run does not call; asking for it would be for nothing.
  if (ctx.options.dryRun) return planValue(`password from ${o.env[0] ?? "the prompt"}`);
  let password: string;
  try {
    password = await ctx.prompter.secret({ id: o.key, message: o.message, ...(o.help ? { help: o.help } : {}), ...(o.env[0] ? { env: o.env[0] } : {}) });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(`${o.message}: no password was given and there is no terminal to ask (--yes, or no TTY).`, {
      hint: ["Give it in one of these ways, then resume:", ...o.ways.map((w) => `  • ${w}`)].join("\n"),
      cause: err,
    });
  }
  ctx.secrets.set(o.key, password);
  return password;
}

/** The source login's password for DMS: memory, AURORA_MIGRATE_SOURCE_PASSWORD, PGPASSWORD, or asked. */
export function sourcePasswordForDms(ctx: StepContext, at: { user: string; host: string }): Promise<string> {
  return passwordForDms(ctx, {
    key: "source.password",
    env: [SOURCE_PASSWORD_ENV, "PGPASSWORD"],
    message: `Password of ${at.user} on ${at.host}, for DMS`,
    help: "sent to AWS only (in the endpoint, or in a secret only DMS may read), never saved by the wizard",
    ways: [
      `set ${SOURCE_PASSWORD_ENV} (or PGPASSWORD) in the environment of the run;`,
      `or name a Secrets Manager secret of yours holding username, password, host and port: "dms.source.credentialsArn": "arn:aws:secretsmanager:…" in the --config file (with "dms.source.credentials": "secret");`,
      "or run in a terminal without --yes to be asked.",
    ],
  });
}

/** The password of a dedicated migration login on Aurora: memory, AURORA_MIGRATE_TARGET_PASSWORD, or asked. */
export function targetLoginPassword(ctx: StepContext, at: { user: string; host: string }): Promise<string> {
  return passwordForDms(ctx, {
    key: "dms.target.password",
    env: [TARGET_PASSWORD_ENV],
    message: `Password of ${at.user} on ${at.host}, for DMS`,
    help: "the migration login you created on Aurora; sent to AWS only, never saved by the wizard",
    ways: [`set ${TARGET_PASSWORD_ENV} in the environment of the run;`, `or let DMS log in as the master user ("dms.target.username" left at its default);`, "or run in a terminal without --yes to be asked."],
  });
}
