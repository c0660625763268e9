/** The end of the rollback window: finish. */
import type { Command } from "commander";
import { FAILED_EXIT, INTERRUPTED_EXIT, USAGE_EXIT, examples, exitCodes, notes } from "./help.js";
import type { CommandKit } from "./program.js";

export function addFinishCommand(program: Command, { act, sessionIo }: CommandKit): void {
  program
    .command("finish")
    .summary("end the rollback window (reverse task, endpoints, slot on Aurora), then clean up")
    .description(
      "End the rollback window once the team is confident in Aurora: stop and delete the reverse DMS task (it carries Aurora's writes back to the old server), delete its endpoints, drop the replication slot on Aurora (a slot left there keeps Aurora's WAL and fills its storage), then run the normal cleanup. After a `rollback`, it removes the reverse path the same way. Safe to run twice.",
    )
    .addHelpText(
      "after",
      examples(
        "aurora-migrate finish --state prod.state.json",
        "aurora-migrate finish --dry-run                      # every AWS call and statement it would make, changing nothing",
        "aurora-migrate finish --yes                          # no questions: ends the window and cleans up",
      ) +
        notes(
          "Once the window is ended, `aurora-migrate rollback` is no longer possible. The confirmation is cleanup.endRollbackWindow, then cleanup's own (--yes answers them all yes).",
          "Stopped half-way (Ctrl-C, a crash): run it again, it continues. `cleanup --end-rollback-window` does the same.",
        ) +
        exitCodes([[0, "the window is ended and the cleanup ran (what remains is listed), or nothing was left to do"], FAILED_EXIT, USAGE_EXIT, [3, "a rollback started and did not finish (run `rollback` again first), or a replication slot is still in use"], INTERRUPTED_EXIT]),
    )
    .action(
      act(async (g, reporter) => {
        const { runFinishCommand } = await import("../commands/finish.js");
        await runFinishCommand(g, await sessionIo(reporter, g));
      }),
    );
}
