/** The rollback window (issue 14): `rollback`, back to the old server without losing a write made on Aurora. */
import type { Command } from "commander";
import { INTERRUPTED_EXIT, USAGE_EXIT, examples, exitCodes, notes } from "./help.js";
import type { CommandKit } from "./program.js";

export function addRollbackCommand(program: Command, { act, sessionIo }: CommandKit): void {
  program
    .command("rollback")
    .summary("within the rollback window: back to the old server, nothing lost")
    .description(
      "Within the rollback window the cutover opened (a reverse DMS task carries every write made on Aurora back to the old server): checks that the reverse task runs with its CDC latency under the threshold, freezes the app's roles on Aurora (the roles the cutover froze on the old server), waits for a marker written on Aurora to reach the old server, moves the old server's sequences to Aurora's positions (never backwards), lifts the old server's freeze and runs your switch-back hook; then stops the reverse task.\n" +
        "Undone if anything fails before the hook starts, or if the hook exits non-zero: Aurora's freeze is lifted and the old server frozen again, so the app keeps exactly one writable database.",
    )
    .option("--unfreeze", "only lift the rollback's freeze on Aurora; when the app is still on Aurora (a switch-back left unfinished, or a rollback stopped before its hook) the old server is frozen again first")
    .option("--switched", "confirm that a switch-back an interrupted run left unfinished did happen (the app is on the old server): records it as done, then stops the reverse task")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate rollback --state prod.state.json",
        "aurora-migrate rollback --dry-run                    # the checks, the freeze statements on Aurora and the hook, changing nothing",
        "aurora-migrate rollback --config answers.json --yes  # rollback.switchBackHook answered in the file",
        "aurora-migrate rollback --switched                   # after a crash during the switch-back: the app is on the old server",
        "aurora-migrate rollback --unfreeze                   # the app is still on Aurora, or after the rollback: Aurora writable",
      ) +
        notes(
          "Its answers (keys for --config; `aurora-migrate answers` lists them all):",
          "  rollback.maxLatencySeconds   highest reverse CDC latency to start at",
          "                               (default 10)",
          "  rollback.switchBackHook      points the app at the old server (with the old",
          "                               server's DATABASE_URL and PG*); no default",
          "  rollback.confirmFreeze       freeze Aurora and switch back now (--yes)",
          "",
          "The drain's and the hooks' time limits are the cutover's (cutover.drainTimeoutSeconds, cutover.hookTimeoutSeconds).",
          "",
          "Afterwards Aurora stays frozen for the app; `aurora-migrate finish` removes the reverse path (task, endpoints, Aurora's slot) and cleans up.",
        ) +
        exitCodes([
          [0, "switched back to the old server (the window, phase by phase, is reported)"],
          [1, ["failed: before the switch-back Aurora's freeze was lifted and the old server frozen again; the message says what to fix"]],
          USAGE_EXIT,
          [
            3,
            [
              "not possible now: no switched cutover, no open rollback window, the reverse task not running or its latency over the threshold (each with what to do);",
              "or a switch-back left unfinished needs --switched or --unfreeze",
            ],
          ],
          INTERRUPTED_EXIT,
        ]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runRollbackCommand } = await import("../commands/rollback.js");
        await runRollbackCommand(g, cmd.opts<{ unfreeze?: boolean; switched?: boolean }>(), await sessionIo(reporter, g));
      }),
    );
}
