import { Writable } from "node:stream";
import { main } from "../../src/cli/main.js";

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's main() in this process, no terminal, with the given environment; collects its output. */
export async function runMain(args: string[], env: NodeJS.ProcessEnv = { NO_COLOR: "1" }): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        add(chunk.toString());
        done();
      },
    });
  const code = await main(["node", "aurora-migrate", ...args], {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stdinIsTTY: false,
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
