import { CountingClient, defaultSchemas, gatherSourceFacts, readSchemas } from "../adapters/postgres/source-facts/index.js";
import { BlockedError } from "../core/errors.js";
import { runPreflight } from "../plan/preflight/index.js";
import { formatBytes } from "../plan/lob-sizing.js";
import { WAL_BUDGET_QUESTION, parseWalBudget } from "../plan/wal-retention.js";
import type { Step, StepContext } from "../migration/context.js";
import { preflightSummary, printPreflight } from "../ui/findings-report.js";
import { openDatabase } from "../migration/connections.js";
import { buildSourcePreflightOutput } from "../migration/outputs/source-preflight.js";
import { writeOutput } from "../migration/outputs/read.js";
import { readRollbackWriteFacts } from "../adapters/postgres/source-facts/rollback-writes.js";
import { rollbackWriteFinding } from "../plan/preflight/rollback-writes.js";
import { ROLLBACK_WINDOW } from "../migration/aws/logical-replication.js";

export const SOURCE_PREFLIGHT_STEP_ID = "source-preflight" as const;

/**
 * Step 2: which schemas to migrate, then every check DMS needs on the live source (the same
 * facts and checks as `check-source`; pg_hba.conf against the replication instance's address
 * is left to steps 4 and 5, where that address exists). Blockers fail the step with their fixes; `resume` runs
 * the preflight again, without asking the answered questions again.
 */
export const sourcePreflightStep: Step = {
  id: SOURCE_PREFLIGHT_STEP_ID,
  title: "Source preflight",
  async run(ctx: StepContext) {
    const client = await openDatabase(ctx, "source");
    try {
      const db = new CountingClient(client);
      const schemas = await readSchemas(db);
      const chosen = await ctx.prompter.multiSelect({
        id: "source.schemas",
        message: "Schemas to migrate",
        help: "the default is every schema that has tables",
        choices: schemas.map((s) => ({ value: s.name, name: `${s.name} (${s.tableCount} table${s.tableCount === 1 ? "" : "s"})` })),
        default: defaultSchemas(schemas),
      });
      // Chosen up front: step 3 makes Aurora able to be a DMS source, and the old server's side is checked here.
      const rollbackWindow = await ctx.prompter.confirm({
        id: ROLLBACK_WINDOW,
        message: "Keep a rollback window after the cutover (Aurora's writes flow back to the old server, so `rollback` loses nothing)?",
        help: "Aurora gets a cluster parameter group with rds.logical_replication = 1; the old server must accept DMS's writes",
        default: true,
      });
      const spinner = ctx.reporter.spinner("Checking the source");
      const gathered = await gatherSourceFacts(db, { schemas: chosen });
      spinner.succeed(`Checked ${gathered.facts.tables.length} table(s) in ${chosen.join(", ") || "no schema"}`);
      // The replication instance's address is known only once step 4 has created it: step 4
      // prints the exact pg_hba.conf lines for it, and step 5's connection test checks them.
      const result = runPreflight(gathered.facts, { addressLater: true });
      const writes = rollbackWindow ? rollbackWriteFinding(await readRollbackWriteFacts(client, chosen)) : undefined;
      if (writes) {
        result.findings.push(writes);
        result.counts.warning += 1;
      }
      printPreflight(ctx.reporter, result);
      const summary = preflightSummary(result);
      ctx.reporter.info("");
      ctx.reporter.info(summary);
      // Next to the max_slot_wal_keep_size check: how much disk the slot's WAL may take (the WAL guard's
      // limit). Before the blockers fail the step, so a resume does not ask it again.
      const keepMb = Number(gathered.facts.settings["max_slot_wal_keep_size"]?.setting ?? -1);
      await ctx.prompter.text({
        id: WAL_BUDGET_QUESTION,
        message: "Disk the DMS slot's WAL may take on the source (e.g. 200GB; empty: max_slot_wal_keep_size only)",
        help: `max_slot_wal_keep_size is ${keepMb >= 0 ? formatBytes(keepMb * 1024 ** 2) : "-1 (unlimited)"}, the database ${formatBytes(gathered.facts.databaseSizeBytes)}; the WAL guard warns at 50% and 80% of the smaller limit; also --wal-budget`,
        default: "",
        validate: (v) => {
          const p = parseWalBudget(v);
          return p.ok ? undefined : p.problem;
        },
        normalize: (v) => v.trim(),
      });
      if (result.counts.blocker > 0) {
        // The runner records findings only for a step that succeeds; keep the blockers visible
        // to `status` on the failed step record too.
        const record = ctx.state.steps[SOURCE_PREFLIGHT_STEP_ID];
        if (record) record.findings = result.findings;
        const blockers = result.findings.filter((f) => f.severity === "blocker");
        throw new BlockedError(`The source is not ready for DMS: ${blockers.length} blocking problem(s).`, {
          details: blockers.map((f) => `✖ ${f.title}\n    fix: ${(f.fix ?? "see above").split("\n").join("\n         ")}${f.restartNeeded ? " (needs a restart)" : ""}`),
          hint: "Apply the fixes above on the source; `resume` runs the preflight again.",
        });
      }
      writeOutput(ctx, SOURCE_PREFLIGHT_STEP_ID, buildSourcePreflightOutput(gathered.facts, undefined));
      return { summary, findings: result.findings };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
