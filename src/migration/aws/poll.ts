import { OperationError } from "../../core/errors.js";
import { plannedReads } from "../../adapters/aws/dry-run.js";
import { isAwsError } from "../../adapters/aws/errors.js";
import type { StepContext } from "../context.js";

/** Never describe one resource more often than this (AWS throttles eager pollers). */
export const MIN_POLL_MS = 5_000;

export interface PollOptions<T> {
  /** "the Aurora cluster x", for the spinner and the timeout message. */
  what: string;
  /** What the wait is for, said by a dry run instead of waiting: "the cluster x is available". */
  until: string;
  read: () => Promise<T>;
  /** Spinner text for a reading. */
  show: (value: T) => string;
  /** True when the wait is over. */
  done: (value: T) => boolean;
  /** An error to stop with (a failed status), or undefined to keep waiting. */
  failed?: (value: T) => Error | undefined;
  /** Optional work after each reading that is not done (e.g. look for the replication slot). */
  onReading?: (value: T) => Promise<void>;
  firstDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** Shown when the wait ends; default: the last spinner text. */
  successText?: (value: T) => string;
}

/**
 * Polls with backoff (×1.5 per round, capped) until done, failed, the overall timeout, or
 * Ctrl-C (ctx.signal). Time comes from ctx.clock, so tests are instant. A throttled Describe
 * only slows the loop down; any other error ends it. A first reading of something --dry-run
 * planned (adapters/aws/dry-run.ts) is not waited on: the wait is said, and the reading returned.
 */
export async function pollUntil<T>(ctx: StepContext, o: PollOptions<T>): Promise<T> {
  const start = ctx.clock.now().getTime();
  let delay = Math.max(MIN_POLL_MS, o.firstDelayMs);
  const maxDelay = Math.max(delay, o.maxDelayMs);
  const read = async (): Promise<T | undefined> => {
    try {
      return await o.read();
    } catch (err) {
      if (!isAwsError(err, "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException")) throw err;
      delay = Math.min(maxDelay * 2, delay * 2);
      return undefined;
    }
  };
  const aws = ctx.aws ? await ctx.aws() : undefined;
  const planned = aws ? plannedReads(aws) : 0;
  const firstReading = await read();
  if (aws && plannedReads(aws) > planned) {
    ctx.reporter.info(`[dry-run] would wait until ${o.until}.`);
    return firstReading as T;
  }
  let first = true;
  const spinner = ctx.reporter.spinner(`Waiting for ${o.what}`);
  let lastText = `Waiting for ${o.what}`;
  try {
    for (;;) {
      const value = first ? firstReading : await read();
      first = false;
      if (value !== undefined) {
        lastText = o.show(value);
        spinner.update(lastText);
        const failure = o.failed?.(value);
        if (failure) {
          spinner.fail(lastText);
          throw failure;
        }
        if (o.done(value)) {
          spinner.succeed(o.successText ? o.successText(value) : lastText);
          return value;
        }
        await o.onReading?.(value);
      }
      const elapsed = ctx.clock.now().getTime() - start;
      if (elapsed + delay > o.timeoutMs) {
        spinner.fail(lastText);
        throw new OperationError(`Gave up waiting for ${o.what} after ${Math.round(elapsed / 60_000)} min (last seen: ${lastText}).`, {
          hint: "AWS may still be working on it: check the console, and resume when it is ready; the wizard picks up where it stopped.",
        });
      }
      await ctx.clock.sleep(delay, ctx.signal);
      delay = Math.min(maxDelay, Math.round(delay * 1.5));
    }
  } catch (err) {
    spinner.stop();
    throw err;
  }
}
