import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface HookOptions {
  /** The child's whole environment (e.g. from libpqEnv, which starts from this process's). */
  env: NodeJS.ProcessEnv;
  /** Each line the command prints, as it prints it. */
  onLine(line: string, stream: "stdout" | "stderr"): void;
  /** Aborting ends the command (SIGTERM). */
  signal?: AbortSignal;
}

/**
 * Runs a user's shell command (`sh -c`), streaming its output line by line, and resolves with
 * its exit code (128 + signal number when a signal ended it, as shells report it).
 */
export function runHook(command: string, options: HookOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = [child.stdout, child.stderr].map(
      (stream, i) =>
        new Promise<void>((done) => {
          const rl = createInterface({ input: stream, crlfDelay: Infinity });
          rl.on("line", (line) => options.onLine(line, i === 0 ? "stdout" : "stderr"));
          rl.on("close", done);
        }),
    );
    const onAbort = (): void => {
      child.kill("SIGTERM");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (err) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    child.on("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      void Promise.all(closed).then(() => resolve(code ?? 128 + signalNumber(signal)));
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 0;
}
