/** The end of a migration: cutover and cleanup. */
import { type Command, Option } from "commander";
import { FAILED_EXIT, INTERRUPTED_EXIT, USAGE_EXIT, examples, exitCodes, notes } from "./help.js";
import type { CommandKit } from "./program.js";

export function addCutoverCommands(program: Command, { act, sessionIo }: CommandKit): void {
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
    .option("--end-rollback-window", "while a rollback window is open, end it first (as `finish` does: the reverse task, endpoints and slot on Aurora removed); without it cleanup refuses, since the reverse task runs on the replication instance")
    .addHelpText(
      "after",
      examples(
        "aurora-migrate cleanup --state prod.state.json",
        "aurora-migrate cleanup --dry-run                     # the AWS calls and SQL it would run, changing nothing",
        "aurora-migrate cleanup --keep-instance --yes         # keep the instance for another migration",
        "aurora-migrate cleanup --keep-task                   # stop replication, keep the task to look at later",
        "aurora-migrate cleanup --end-rollback-window         # the rollback window is open: end it, then clean up (= finish)",
      ) +
        notes("The Aurora cluster and the old server are never touched; cleanup lists them at the end. Each deletion is confirmed (the cleanup.* answers; --yes confirms them all).") +
        exitCodes([[0, "cleaned up (what remains is listed)"], FAILED_EXIT, USAGE_EXIT, [3, ["the replication slot is still in use, so it was not dropped (who holds it is named): run cleanup again once it is free;", "or a rollback window is open (nothing removed): `finish` or --end-rollback-window ends it"]], INTERRUPTED_EXIT]),
    )
    .action(
      act(async (g, reporter, cmd) => {
        const { runCleanupCommand } = await import("../commands/cleanup.js");
        await runCleanupCommand(g, cmd.opts<{ keepTask?: boolean; keepEndpoints?: boolean; keepInstance?: boolean; endRollbackWindow?: boolean }>(), await sessionIo(reporter, g));
      }),
    );
}
