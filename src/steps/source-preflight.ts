import { CountingClient, defaultSchemas, gatherSourceFacts, readSchemas } from "../adapters/postgres/source-facts/index.js";
import { BlockedError } from "../errors.js";
import { checkDmsCidr } from "../plan/preflight/dms-cidr.js";
import { runPreflight } from "../plan/preflight/index.js";
import type { Step, StepContext } from "../runner.js";
import { preflightSummary, printPreflight } from "../ui/findings-report.js";
import { openDatabase } from "./connections.js";
import { buildSourcePreflightOutput } from "./source-preflight-output.js";

export const SOURCE_PREFLIGHT_STEP_ID = "source-preflight";

/**
 * Step 2: which schemas to migrate, then every check DMS needs on the live source (the same
 * facts and checks as `check-source`). Blockers fail the step with their fixes; `resume` runs
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
      const cidrAnswer = await ctx.prompter.text({
        id: "source.dmsCidr",
        message: "Address of the DMS replication instance, if known (for the pg_hba.conf lines)",
        help: 'e.g. 10.0.12.34/32; leave empty if unknown ("" in --config): the lines then carry a placeholder',
        default: "",
        validate: (v) => {
          if (v.trim() === "") return undefined;
          const checked = checkDmsCidr(v);
          return "problem" in checked ? checked.problem : undefined;
        },
        normalize: (v) => {
          if (v.trim() === "") return "";
          const checked = checkDmsCidr(v);
          return "cidr" in checked ? checked.cidr : v;
        },
      });
      const dmsCidr = cidrAnswer === "" ? undefined : cidrAnswer;
      const spinner = ctx.reporter.spinner("Checking the source");
      const gathered = await gatherSourceFacts(db, { schemas: chosen });
      spinner.succeed(`Checked ${gathered.facts.tables.length} table(s) in ${chosen.join(", ") || "no schema"}`);
      const result = runPreflight(gathered.facts, dmsCidr ? { dmsCidr } : {});
      printPreflight(ctx.reporter, result);
      const summary = preflightSummary(result);
      ctx.reporter.info("");
      ctx.reporter.info(summary);
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
      ctx.state.outputs[SOURCE_PREFLIGHT_STEP_ID] = buildSourcePreflightOutput(gathered.facts, dmsCidr);
      return { summary, findings: result.findings };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
