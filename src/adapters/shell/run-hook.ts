import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";

export interface HookOptions {
  /** The child's whole environment (e.g. from libpqEnv, which starts from this process's). */
  env: NodeJS.ProcessEnv;
  /** Each line the command prints, as it prints it. */
  onLine(line: string, stream: "stdout" | "stderr"): void;
  /** Aborting ends the command: its whole process group gets SIGTERM, then SIGKILL after the grace period. */
  signal?: AbortSignal;
  /** Ends the command the same way once it has run this long. */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL. Default 5 s. */
  graceMs?: number;
}

export interface HookResult {
  /** The exit code (128 + signal number when a signal ended it, as shells report it). */
  code: number;
  /** Set when the tool ended it: its time ran out, or the signal aborted. */
  ended?: "timeout" | "abort";
}

/** Process groups of hooks still running: killed outright if this process exits under them (a second Ctrl-C). */
const running = new Set<number>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // process.kill is synchronous, so it works inside an 'exit' handler. Only SIGKILL of this
  // process itself leaves a hook behind: nothing can run then.
  process.on("exit", () => {
    for (const pgid of running) signalGroup(pgid, "SIGKILL");
  });
}

/** Sends `sig` to the process group `pgid`; false when the group is gone. */
function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once no process of the group is left (polling with signal 0). */
async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pgid, 0)) {
    if (Date.now() > deadline) return false;
    await delay(20);
  }
  return true;
}

/**
 * Runs a user's shell command (`sh -c`) in a process group of its own, streaming its output
 * line by line, and resolves with its exit code. On abort or timeout the whole group (the
 * shell and everything it started) gets SIGTERM, then SIGKILL after the grace period, and the
 * result comes only once no process of the group is left: the tool never leaves a hook
 * running behind it. A command that exits by itself keeps whatever it started in the
 * background (an app it restarted, say).
 */
export function runHook(command: string, options: HookOptions): Promise<HookResult> {
  const graceMs = options.graceMs ?? 5000;
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const pgid = child.pid;
    if (pgid !== undefined) {
      running.add(pgid);
      installExitHandler();
    }
    let ended: HookResult["ended"];
    let killing: Promise<void> | undefined;
    const end = (why: "timeout" | "abort"): void => {
      if (ended || pgid === undefined) return;
      ended = why;
      killing = (async () => {
        signalGroup(pgid, "SIGTERM");
        if (!(await groupGone(pgid, graceMs))) {
          signalGroup(pgid, "SIGKILL");
          await groupGone(pgid, 5000);
        }
      })();
    };
    const onAbort = (): void => end("abort");
    const timer = options.timeoutMs !== undefined ? setTimeout(() => end("timeout"), options.timeoutMs) : undefined;
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    const closed = [child.stdout, child.stderr].map(
      (stream, i) =>
        new Promise<void>((done) => {
          const rl = createInterface({ input: stream, crlfDelay: Infinity });
          rl.on("line", (line) => options.onLine(line, i === 0 ? "stdout" : "stderr"));
          rl.on("close", done);
        }),
    );
    child.on("error", (err) => {
      cleanup();
      if (pgid !== undefined) running.delete(pgid);
      reject(err);
    });
    child.on("exit", (code, signal) => {
      cleanup();
      const result: HookResult = { code: code ?? 128 + signalNumber(signal), ...(ended ? { ended } : {}) };
      void (async () => {
        // Once the tool ends a hook, the result waits for the whole group to be gone. A hook
        // that exits by itself may leave a background process holding its output open: its
        // streams are read for a moment more, not waited for.
        if (killing) await killing;
        await Promise.race([Promise.all(closed), delay(killing ? 5000 : 1000)]);
        if (pgid !== undefined) running.delete(pgid);
        resolve(result);
      })();
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 0;
}
