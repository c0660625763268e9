/**
 * The process entry: main() parses argv, runs the command, prints an error once and writes the
 * --json envelope; run() adds signals and the exit code. The only file that calls process.exit.
 */
import { Chalk } from "chalk";
import { CommanderError } from "commander";
import { AppError, ExitCode, InterruptedError, UsageError, errorMessage, isAbort } from "../core/errors.js";
import { commandNamed, envelopeOf, jsonRequested, writeEnvelope } from "../ui/json-envelope.js";
import { redactUrl } from "../core/secrets.js";
import { type ActionRun, type CliIo, buildProgram } from "./program.js";


function printError(err: unknown, io: CliIo, verbose: boolean, color: boolean): number {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out = (s: string): void => {
    io.stderr.write(redactUrl(s) + "\n");
  };
  if (err instanceof AppError) {
    if (err instanceof InterruptedError) out(c.yellow(err.message));
    else out(c.red("✖ ") + err.message);
    for (const d of err.details) out("  " + d);
    if (err.hint) out(c.dim(err.hint.split("\n").map((l) => `→ ${l}`).join("\n")));
    if (verbose && err.cause instanceof Error && err.cause.stack) out(c.dim(err.cause.stack));
    return err.exitCode;
  }
  if (isAbort(err)) {
    out(c.yellow("Interrupted."));
    return ExitCode.interrupted;
  }
  out(c.red("✖ Unexpected error: ") + errorMessage(err));
  if (verbose && err instanceof Error && err.stack) out(c.dim(err.stack));
  else out(c.dim("→ Run again with --verbose for the stack trace, and report it if it persists."));
  return ExitCode.failed;
}

/** Parses argv, runs the command, and returns the exit code. Never calls process.exit. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let action: Promise<void> | undefined;
  let run: ActionRun | undefined;
  const program = buildProgram(io, (p, r) => {
    action = p;
    run = r;
  });
  let code: number = ExitCode.ok;
  let failure: unknown;
  try {
    await program.parseAsync([...argv]);
    if (action) await action;
  } catch (err) {
    failure = err;
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return ExitCode.ok;
      code = ExitCode.usage;
      // Commander has said it on stderr; the envelope words it as a usage error.
      failure = new UsageError(err.message.replace(/^error: /, ""), { hint: "Run the command with --help for its usage." });
    } else {
      const verbose = argv.includes("--verbose");
      const color = !argv.includes("--no-color") && io.env["NO_COLOR"] === undefined && io.stderr.isTTY === true;
      code = printError(err, io, verbose, color);
    }
  }
  // --json: exactly one document on stdout, whatever happened (a refused command line too).
  const done: ActionRun | undefined = run;
  if (done ? done.json : jsonRequested(argv)) {
    const command = done?.command ?? commandNamed(argv, program.commands.map((c) => c.name()), "start");
    writeEnvelope(io.stdout, envelopeOf(command, code, done?.result, failure));
  }
  return code;
}

/**
 * Node 21+ has a global `navigator` ({ userAgent: "Node.js/<major>" }); Node 20 has none, and
 * then pg, when first loaded, tells Node from Cloudflare Workers by constructing a `Response`,
 * which loads Node's whole fetch implementation (undici): ~15 ms of every command that connects.
 * The same object Node 21+ provides, defined only where it is missing.
 */
function nodeNavigator(): void {
  if ("navigator" in globalThis) return;
  Object.defineProperty(globalThis, "navigator", { value: { userAgent: `Node.js/${process.versions.node.split(".")[0]}` }, configurable: true, writable: true, enumerable: false });
}

/** The process entry (bin/aurora-migrate.js): signals, exit code. */
export async function run(): Promise<never> {
  nodeNavigator();
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write("\nStopping and saving… (press Ctrl-C again to quit at once)\n");
      controller.abort();
    } else {
      process.exit(ExitCode.interrupted);
    }
  });
  process.on("SIGTERM", () => controller.abort());
  const code = await main(process.argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    signal: controller.signal,
  });
  // Open pg sockets or timers must not keep a finished command alive.
  process.exit(code);
}
