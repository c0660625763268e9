/**
 * The command-line program: global options, the --json result and the reporter each action
 * gets, and the kit the command groups (commands-*.ts) build their commands with.
 */
import { Command, Help } from "commander";
import type { SessionIo } from "../commands/session.js";
import type { GlobalOptions } from "../migration/context.js";
import type { AwsClientConfig } from "../adapters/aws/ports.js";
import { DEFAULT_STATE_PATH } from "../state/paths.js";
import type { Reporter } from "../ui/reporter.js";
import { JsonResult } from "../ui/json-envelope.js";
import { VERSION } from "../core/version.js";
import { FAILED_EXIT, INTERRUPTED_EXIT, USAGE_EXIT, exitCodes, notes } from "./help.js";
import { addCutoverCommands } from "./commands-cutover.js";
import { addFinishCommand } from "./commands-finish.js";
import { addDemoCommand } from "./commands-demo.js";
import { addRollbackCommand } from "./commands-rollback.js";
import { addToolCommands } from "./commands-tools.js";
import { addWizardCommands } from "./commands-wizard.js";

/** What the CLI needs from the outside world; tests hand in their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

interface RawGlobals {
  state: string;
  config?: string;
  yes?: boolean;
  json?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  color: boolean;
  region?: string;
  profile?: string;
}

function globalsOf(cmd: Command, io: CliIo): GlobalOptions {
  const o = cmd.optsWithGlobals<RawGlobals>();
  return {
    statePath: o.state,
    ...(o.config ? { configPath: o.config } : {}),
    yes: o.yes === true,
    json: o.json === true,
    dryRun: o.dryRun === true,
    verbose: o.verbose === true,
    // --no-color, NO_COLOR (any value) and a non-TTY all turn colour off; the TTY that counts is
    // where the human text goes (stderr under --json).
    color: o.color && io.env["NO_COLOR"] === undefined && ((o.json === true ? io.stderr : io.stdout).isTTY === true || io.env["FORCE_COLOR"] !== undefined),
    ...(o.region ? { region: o.region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
  };
}

/** Loaded on first use; ora only when the human stream is a terminal that can show a spinner. */
async function reporterFor(g: GlobalOptions, io: CliIo, result: JsonResult): Promise<Reporter> {
  const { ConsoleReporter, spinnerFactoryFor } = await import("../ui/reporter.js");
  const ora = await spinnerFactoryFor(g.json ? io.stderr : io.stdout);
  return new ConsoleReporter({ stdout: io.stdout, stderr: io.stderr, color: g.color, verbose: g.verbose, json: g.json, onJson: (v) => result.set(v), ...(ora ? { ora } : {}) });
}

/** The command an action runs, for the --json envelope main() writes once it ends. */
export interface ActionRun {
  command: string;
  json: boolean;
  result: JsonResult;
}

/** Help's width: the terminal's, at most 100 columns; 80 when it reports none usable (a pipe, 0 columns). */
function helpWidth(stream: object): number {
  const columns = (stream as { columns?: number }).columns;
  return columns !== undefined && columns >= 40 ? Math.min(columns, 100) : 80;
}

/** What a command group needs to define its commands. */
export interface CommandKit {
  io: CliIo;
  /** Wraps a command's work into commander's action: globals, reporter, --json result. */
  act: (fn: (g: GlobalOptions, reporter: Reporter, cmd: Command) => Promise<void>) => (...args: unknown[]) => void;
  /** The session's outside world: reporter, signal, terminal when a person can be asked, AWS on first use. */
  sessionIo: (reporter: Reporter, g: GlobalOptions, flagAnswers?: SessionIo["flagAnswers"]) => Promise<SessionIo>;
}

/**
 * Builds the command tree: the program with its global options, then each group of commands.
 * Every action resolves or throws; only run() (main.ts) turns that into an exit code.
 */
export function buildProgram(io: CliIo, onAction: (p: Promise<void>, run: ActionRun) => void): Command {
  const program = new Command("aurora-migrate")
    .description("Move a live self-managed PostgreSQL database to Amazon Aurora PostgreSQL with AWS DMS, with zero downtime.\nResumable at any step from a saved state file.")
    .version(VERSION, "-V, --version")
    // Every subcommand's --help lists these too (they may be given before or after the command).
    .configureHelp({
      showGlobalOptions: true,
      // --version belongs to the program alone.
      visibleGlobalOptions(this: Help, cmd: Command) {
        return Help.prototype.visibleGlobalOptions.call(this, cmd).filter((o) => o.long !== "--version");
      },
    })
    .option("--state <path>", "state file of the migration", DEFAULT_STATE_PATH)
    .option("--config <path>", "JSON file answering the wizard's questions by id, for unattended runs (`aurora-migrate answers` lists the ids)")
    .option("-y, --yes", "ask nothing: take defaults and confirm destructive actions; a missing required answer is an error")
    .option("--json", "one JSON document on stdout (command, ok, exitCode, result or error), also on failure; human text on stderr")
    .option("--dry-run", "print the AWS calls and SQL it would run, change nothing")
    .option("--region <region>", "AWS region (else AWS_REGION or the profile's)")
    .option("--profile <name>", "AWS profile from ~/.aws/config")
    .option("--verbose", "more detail, and stack traces on errors")
    .option("--no-color", "no colours (NO_COLOR is honoured too)")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => helpWidth(io.stdout),
      getErrHelpWidth: () => helpWidth(io.stderr),
    })
    .addHelpText("after", exitCodes([[0, "done"], FAILED_EXIT, USAGE_EXIT, [3, "a check found blocking problems"], INTERRUPTED_EXIT]) + notes("`aurora-migrate <command> --help` shows each command's options and examples."))
    .exitOverride();

  const act: CommandKit["act"] =
    (fn: (g: GlobalOptions, reporter: Reporter, cmd: Command) => Promise<void>) =>
    (...args: unknown[]): void => {
      const cmd = args[args.length - 1] as Command;
      const g = globalsOf(cmd, io);
      const result = new JsonResult();
      onAction(reporterFor(g, io, result).then((reporter) => fn(g, reporter, cmd)), { command: cmd.name(), json: g.json, result });
    };
  const sessionIo: CommandKit["sessionIo"] = async (reporter, g, flagAnswers = {}) => {
    const interactive = io.stdinIsTTY && !g.yes;
    const { inquirerTerminal } = await import("../ui/terminal.js");
    return {
      reporter,
      signal: io.signal,
      flagAnswers,
      // The SDK clients load only when a step first calls AWS (keeps --help and check-source fast).
      aws: async (config: AwsClientConfig) => {
        const { createAwsServices } = await import("../adapters/aws/services.js");
        return createAwsServices(config);
      },
      ...(interactive ? { terminal: await inquirerTerminal(io.signal, g.json ? io.stderr : undefined) } : {}),
    };
  };
  const kit: CommandKit = { io, act, sessionIo };
  // The order here is the order of --help.
  addWizardCommands(program, kit);
  addToolCommands(program, kit);
  addCutoverCommands(program, kit);
  addRollbackCommand(program, kit);
  addFinishCommand(program, kit);
  addDemoCommand(program, kit);
  return program;
}
