import { libpqEnv } from "../adapters/postgres/env.js";
import { describeLocation } from "../adapters/postgres/url.js";
import { redactUrl } from "../core/secrets.js";
import { type HookResult, runHook } from "../adapters/shell/run-hook.js";
import { abortError } from "../core/abort.js";
import { OperationError, errorMessage } from "../core/errors.js";
import type { StepContext } from "./context.js";
import { type DatabaseRole, recordedLocation } from "./connections.js";

/** A hook ended by the tool because it ran out of time. */
export class HookTimeoutError extends OperationError {}

/** Lines of a failing hook's output repeated under its error. */
const TAIL_LINES = 20;

export interface DatabaseHookOptions {
  /** Aborting ends the command's process group (SIGTERM, then SIGKILL), and waits for it to be gone. */
  signal?: AbortSignal;
  /** Ends it the same way after this many seconds; the error says it ran out of time. */
  timeoutSeconds?: number;
  /** What to do when it fails; default: fix the command and run again. */
  hint?: string;
}

/**
 * Runs a user's hook command (the schema command, the cutover's freeze and switch commands)
 * through /bin/sh with one database's connection in its environment (DATABASE_URL and PG*
 * variables, the password included when this process knows it), streaming its output with
 * passwords masked. Throws an OperationError, with its last lines, when it cannot start or
 * exits non-zero.
 */
export async function runDatabaseHook(
  ctx: Pick<StepContext, "state" | "secrets" | "reporter">,
  role: DatabaseRole,
  command: string,
  what: string,
  o: DatabaseHookOptions = {},
): Promise<void> {
  const loc = recordedLocation(ctx, role);
  const env = libpqEnv(loc, ctx.secrets.get(`${role}.password`), { passwordInUrl: true });
  const clean = (line: string): string => ctx.secrets.redact(redactUrl(line));
  const { reporter } = ctx;
  reporter.info(reporter.color.dim(`$ ${clean(command)}   (${what}, with the ${role} ${describeLocation(loc)} in DATABASE_URL and PG*)`));
  const tail: string[] = [];
  let result: HookResult;
  try {
    result = await runHook(command, {
      env,
      onLine: (raw) => {
        const line = clean(raw);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        reporter.info(reporter.color.dim(`  │ ${line}`));
      },
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.timeoutSeconds !== undefined ? { timeoutMs: o.timeoutSeconds * 1000 } : {}),
    });
  } catch (err) {
    throw new OperationError(`The ${what} \`${clean(command)}\` could not start: ${errorMessage(err)}`, { cause: err, hint: "Check the command (it runs with /bin/sh -c)." });
  }
  const details = tail.length ? ["Its last lines:", ...tail.map((l) => `  ${l}`)] : [];
  if (result.ended === "timeout") {
    throw new HookTimeoutError(`The ${what} \`${clean(command)}\` did not finish within ${o.timeoutSeconds ?? "?"} s; it was ended (its whole process group).`, {
      details,
      hint: o.hint ?? `Fix the command, or raise its time limit, then run again.`,
    });
  }
  if (result.ended === "abort") {
    throw abortError(`The ${what} was ended: interrupted.`);
  }
  const code = result.code;
  if (code !== 0) {
    throw new OperationError(`The ${what} \`${clean(command)}\` exited with code ${code}.`, {
      details,
      hint: o.hint ?? `Fix the command (it runs with the ${role}'s connection in DATABASE_URL and PG* variables), then run again.`,
    });
  }
}
