/** The wizard's commands: start, resume, and the two that read it (status, answers). */
import { type Command } from "commander";
import { FAILED_EXIT, INTERRUPTED_EXIT, USAGE_EXIT, examples, exitCodes } from "./help.js";
import type { CommandKit } from "./program.js";

export function addWizardCommands(program: Command, { io, act, sessionIo }: CommandKit): void {
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
    .option("--wal-budget <size>", "disk the DMS slot's WAL may take on the source, e.g. 200GB: the WAL guard warns against it (answers source.walBudget)")
    .option("--no-rollback-window", "no rollback window: Aurora is not made a DMS source, the old server's write grants are not checked (answers rollback.window: false)")
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
        const { source, caBundle, walBudget, rollbackWindow } = cmd.opts<{ source?: string; caBundle?: string; walBudget?: string; rollbackWindow?: boolean }>();
        await runWizard(
          g,
          "new",
          await sessionIo(reporter, g, {
            ...(source ? { "source.url": source } : {}),
            ...(caBundle ? { "aurora.caBundle": caBundle } : {}),
            ...(walBudget !== undefined ? { "source.walBudget": walBudget } : {}),
            ...(rollbackWindow === false ? { "rollback.window": false } : {}),
          }),
        );
      }),
    );

  program
    .command("resume")
    .summary("continue the migration recorded in the state file")
    .description("Continue the migration recorded in the state file, at its first unfinished step. Recorded answers are not asked again; a --config answer that differs replaces the recorded one.")
    .option("--ca-bundle <file>", "RDS CA bundle (PEM) of the region, used while the Aurora step has not finished (answers aurora.caBundle)")
    .option("--wal-budget <size>", "disk the DMS slot's WAL may take on the source, e.g. 200GB; replaces the recorded answer (answers source.walBudget)")
    .addHelpText("after", examples("aurora-migrate resume", "aurora-migrate resume --state prod.state.json --config answers.json --yes") + wizardExits)
    .action(
      act(async (g, reporter, cmd) => {
        const { runWizard } = await import("../commands/wizard.js");
        const { caBundle, walBudget } = cmd.opts<{ caBundle?: string; walBudget?: string }>();
        await runWizard(g, "resume", await sessionIo(reporter, g, { ...(caBundle ? { "aurora.caBundle": caBundle } : {}), ...(walBudget !== undefined ? { "source.walBudget": walBudget } : {}) }));
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
}
