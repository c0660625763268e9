/**
 * A command on a pseudo-terminal from util-linux's `script`. Keystrokes go through a FIFO:
 * `script` relays a FIFO to the terminal as typed, where it does not read a socket (what Node
 * hands a child as a stdin pipe).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";

/** A terminal's output as plain text: colour and cursor codes and carriage returns removed. */
// eslint-disable-next-line no-control-regex
export const plain = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

/** Whether this machine has `script` (the pty tests skip without it). */
export const hasScript = spawnSync("script", ["--version"]).status === 0;

export interface PtySession {
  child: ChildProcess;
  /** Everything the terminal showed (stdout, stderr and the echo of the keys), raw. */
  output(): string;
  type(keys: string): void;
  done: Promise<number | null>;
}

/** Runs the shell `command` on a `cols`×`rows` terminal; `fifo` is a path for the keystrokes. */
export function inPty(command: string, fifo: string, size: { cols: number; rows: number }): PtySession {
  execFileSync("mkfifo", [fifo]);
  const child = spawn("sh", ["-c", `exec script -qfec "stty cols ${size.cols} rows ${size.rows}; $CMD" /dev/null < "$FIFO"`], {
    env: { ...process.env, CMD: command, FIFO: fifo, TERM: "xterm-256color" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keys = createWriteStream(fifo);
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      keys.end();
      resolve(code);
    }),
  );
  return { child, output: () => out, done, type: (text) => keys.write(text) };
}
