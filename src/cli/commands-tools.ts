/** The database tools that stand alone: check-source, sync-sequences, validate. */
import { type Command, Option } from "commander";
import { FAILED_EXIT, USAGE_EXIT, examples, exitCodes, wholeNumberArg } from "./help.js";
import type { CommandKit } from "./program.js";

export function addToolCommands(program: Command, { io, act }: CommandKit): void {
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
}
