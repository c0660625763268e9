import { pgEnvironment } from "../adapters/postgres/env.js";
import { redactUrl } from "../adapters/postgres/url.js";
import { runHook } from "../adapters/shell/run-hook.js";
import { OperationError, errorMessage } from "../errors.js";
import type { StepContext } from "../runner.js";
import { type DatabaseRole, recordedLocation } from "./connections.js";

/**
 * Runs a user's hook command with one database's connection in its environment (DATABASE_URL
 * and PG* variables, the password included when this process knows it), streaming its output
 * (passwords redacted). Throws an OperationError when it cannot start or exits non-zero.
 */
export async function runDatabaseHook(
  ctx: Pick<StepContext, "state" | "secrets" | "reporter">,
  role: DatabaseRole,
  command: string,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const env = pgEnvironment(recordedLocation(ctx, role), ctx.secrets.get(`${role}.password`));
  const clean = (line: string): string => ctx.secrets.redact(redactUrl(line));
  ctx.reporter.info(ctx.reporter.color.dim(`$ ${clean(command)}`));
  let code: number;
  try {
    code = await runHook(command, {
      env,
      onLine: (line) => ctx.reporter.info(ctx.reporter.color.dim(`  │ ${clean(line)}`)),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw new OperationError(`The ${what} could not start: ${errorMessage(err)}`, { cause: err, hint: "Check the command (it runs with /bin/sh -c)." });
  }
  if (code !== 0) {
    throw new OperationError(`The ${what} exited with code ${code}.`, {
      hint: `Its output is above. It ran with the ${role}'s connection in DATABASE_URL and PG* variables.`,
    });
  }
}
