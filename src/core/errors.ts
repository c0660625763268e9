/**
 * Typed errors, caught once in cli.ts. Each carries the process exit code of the
 * product contract and, where there is one, a hint that tells the user what to do.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface AppErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Lines printed under the message (findings, differences, the failing statement). */
  details?: string[];
}

export class AppError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(message: string, exitCode: ExitCode = ExitCode.failed, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** An operation failed (exit 1). */
export class OperationError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, ExitCode.failed, options);
  }
}

/** Bad usage or bad input: unknown flag, unreadable/corrupt state or config file (exit 2). */
export class UsageError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, ExitCode.usage, options);
  }
}

/** A check found blocking problems: check-source, validate, cutover preconditions (exit 3). */
export class BlockedError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, ExitCode.blocked, options);
  }
}

/** The user pressed Ctrl-C; the state was saved (exit 130). */
export class InterruptedError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, ExitCode.interrupted, options);
  }
}

/** True for the errors an AbortSignal or a cancelled prompt produce. */
export function isAbort(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === "AbortError" || err.name === "AbortPromptError" || err.name === "ExitPromptError";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
