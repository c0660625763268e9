import { redactUrl } from "../core/secrets.js";
import { AppError, ExitCode, errorMessage, isAbort } from "../core/errors.js";

/** The `error` of a failed command's envelope: what happened and what to do. */
export interface EnvelopeError {
  message: string;
  hint?: string;
  /** The lines printed under the message (findings, differences, the failing statement). */
  details?: string[];
}

/**
 * The one JSON document `--json` puts on stdout for every command, on success and on
 * failure. `result` is the command's report (also on a failure that has one: a blocked
 * validate, check-source or cutover still gives its findings); `error` is there exactly when
 * `ok` is false.
 */
export interface JsonEnvelope {
  command: string;
  ok: boolean;
  exitCode: number;
  result?: unknown;
  error?: EnvelopeError;
}

/** Holds the result a command hands its reporter under --json, until the exit code is known. */
export class JsonResult {
  private value: unknown;
  private given = false;

  /** A later result replaces an earlier one: one document per command. */
  set(value: unknown): void {
    this.value = value;
    this.given = true;
  }

  get has(): boolean {
    return this.given;
  }

  get(): unknown {
    return this.value;
  }
}

/** The error part of the envelope, worded as the terminal shows it. */
export function envelopeError(err: unknown): EnvelopeError {
  if (err instanceof AppError) {
    return { message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(err.details.length ? { details: err.details } : {}) };
  }
  if (isAbort(err)) return { message: "Interrupted.", hint: "The state was saved: run the same command again to continue." };
  return { message: `Unexpected error: ${errorMessage(err)}`, hint: "Run again with --verbose for the stack trace, and report it if it persists." };
}

/** The document for a command that ended with `exitCode` (and `err` when it failed). */
export function envelopeOf(command: string, exitCode: number, result: JsonResult | undefined, err?: unknown): JsonEnvelope {
  const ok = exitCode === ExitCode.ok;
  const envelope: JsonEnvelope = { command, ok, exitCode };
  if (ok) envelope.result = result?.has ? result.get() : null;
  else {
    if (result?.has) envelope.result = result.get();
    envelope.error = err === undefined ? { message: `Exited with code ${exitCode}.` } : envelopeError(err);
  }
  return envelope;
}

/** Writes the envelope as the only document on `stream` (stdout); URL passwords in any string are masked. */
export function writeEnvelope(stream: NodeJS.WritableStream, envelope: JsonEnvelope): void {
  stream.write(JSON.stringify(envelope, (_key, value: unknown) => (typeof value === "string" ? redactUrl(value) : value), 2) + "\n");
}

/**
 * Whether argv asks for --json, read before (or without) a successful parse: a command line
 * commander refuses still gets its envelope. Arguments after `--` are not options.
 */
export function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/** The subcommand argv names (the first word that is one), else the default command. */
export function commandNamed(argv: readonly string[], names: readonly string[], fallback: string): string {
  return argv.slice(2).find((a) => names.includes(a)) ?? fallback;
}
