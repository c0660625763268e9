import type { PgClient } from "../adapters/postgres/connect.js";
import { ensureMarkerTable } from "../adapters/postgres/marker.js";
import { serverMajor, withBoth } from "../adapters/postgres/sessions.js";
import { BlockedError, OperationError } from "../core/errors.js";
import type { Step, StepContext } from "../migration/context.js";
import { readCatalog } from "../migration/schema/catalog.js";
import { driftFingerprint, readDriftCatalog } from "../migration/schema/drift-catalog.js";
import { printParity } from "../migration/schema/parity-print.js";
import { createSourceExtensions, dropSchemas, existingTables, loadSchemaBuiltIn } from "../migration/schema/load-builtin.js";
import { type ParityReport, compareCatalogs, describeDifference, parityFindings } from "../migration/schema/parity.js";
import { findPgDump } from "../migration/schema/pg-tools.js";
import { invalidIndexes } from "../migration/schema/restore.js";
import { type SetAsideChoice, type SetAsideObject, catalogIdsOf, dropSetAside, mergeSetAside, readSetAside, setAsideNames } from "../migration/schema/set-aside.js";
import { chosenSchemas } from "../migration/chosen-schemas.js";
import { runDatabaseHook } from "../migration/database-hook.js";
import { openDatabase, recordedLocation } from "../migration/connections.js";
import type { SchemaLoadOutput } from "../migration/outputs/schema-load.js";
import { readOutput, writeOutput } from "../migration/outputs/read.js";
import { failingSpinner } from "../ui/reporter.js";

const STEP_ID = "schema-load" as const;

async function builtIn(ctx: StepContext, source: PgClient, target: PgClient, schemas: string[], choice: SetAsideChoice): Promise<{ setAside: SetAsideObject[]; pgDump: string }> {
  const tool = await findPgDump(await serverMajor(source), await serverMajor(target));
  const existing = await existingTables(target, schemas);
  if (existing.length > 0) {
    const ok = await ctx.prompter.confirmDestructive({
      id: "schema.replaceExisting",
      message: `Drop the schemas ${schemas.join(", ")} on the target and load them again?`,
      consequences: [`The target already has ${existing.length} table(s) in them (${existing.slice(0, 5).join(", ")}${existing.length > 5 ? ", …" : ""}); they and their rows would be dropped.`],
    });
    if (!ok) {
      throw new OperationError("The target already holds tables in the chosen schemas; nothing was loaded.", {
        hint: "Empty those schemas on the target, or choose the hook method if your own tool manages them, then resume.",
      });
    }
    await dropSchemas(target, schemas);
  }
  await createSourceExtensions(source, target);
  // Taken from the source's catalog: exactly what pg_dump's post-data would add for these objects.
  const setAside = await readSetAside(source, schemas, choice);
  const spinner = ctx.reporter.spinner(`Loading the schema with ${tool.pgDump} ${tool.version}`);
  const result = await failingSpinner(spinner, () =>
    loadSchemaBuiltIn({
      tool,
      source: recordedLocation(ctx, "source"),
      sourcePassword: ctx.secrets.get("source.password"),
      target: recordedLocation(ctx, "target"),
      targetPassword: ctx.secrets.get("target.password"),
      schemas,
      choice,
      setAsideNames: setAsideNames(setAside),
    }),
  );
  spinner.succeed(`Schema loaded: ${result.entries} object(s) now, ${result.deferred} waiting for the end of the full load`);
  return { setAside, pgDump: `${tool.pgDump} ${tool.version}` };
}

async function withHook(ctx: StepContext, target: PgClient, schemas: string[], choice: SetAsideChoice): Promise<SetAsideObject[]> {
  const command = await ctx.prompter.text({
    id: "schema.hook",
    message: "Command that loads your schema into the target",
    help: "e.g. bin/rails db:schema:load; it runs with DATABASE_URL and PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD set to the target",
  });
  const shown = ctx.secrets.redact(command);
  await runDatabaseHook(ctx, "target", command, "schema command", {
    signal: ctx.signal,
    hint: "Fix the command (it runs with DATABASE_URL and PG* variables pointing at the target), then resume; it runs again from the start.",
  });
  ctx.reporter.success(`\`${shown}\` finished`);
  const previous = readOutput(ctx, STEP_ID);
  const fresh = await readSetAside(target, schemas, choice);
  return previous?.method === "hook" ? mergeSetAside(previous.setAside, fresh) : fresh;
}

/**
 * What stays on the target during the full load must be whole: a primary key (or any index
 * not set aside) that is invalid — a partitioned table's key whose partitions' keys are not
 * attached — serves neither DMS's updates by key nor ON CONFLICT.
 */
async function requireValidKeys(target: PgClient, schemas: readonly string[], method: "built-in" | "hook"): Promise<void> {
  const invalid = await invalidIndexes(target, schemas);
  if (invalid.length === 0) return;
  throw new BlockedError(`${invalid.length} index(es) on the target are not valid after the schema load.`, {
    details: invalid.map((i) => `${i.schema}.${i.name} on ${i.schema}.${i.table}`),
    hint:
      method === "hook"
        ? "Your schema command leaves them invalid (a partitioned index created ON ONLY needs each partition's index attached: ALTER INDEX parent ATTACH PARTITION child): fix it, then resume (it runs again)."
        : "Resume to load the schema again; if they stay invalid, check the same indexes on the source (SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid).",
  });
}

async function parity(source: PgClient, target: PgClient, schemas: string[], setAside: readonly SetAsideObject[]): Promise<ParityReport> {
  const [a, b] = await Promise.all([readCatalog(source, schemas), readCatalog(target, schemas)]);
  return compareCatalogs(a, b, { setAside: new Set(setAside.flatMap(catalogIdsOf)) });
}

/**
 * Step 7: the whole schema on the target, minus what TRUNCATE_BEFORE_LOAD cannot live with
 * (foreign keys) and what slows the load (secondary indexes), which are set aside: their
 * definitions recorded in the state, restored by step 9.
 */
export const schemaLoadStep: Step = {
  id: STEP_ID,
  title: "Schema load",
  // Under --dry-run the target may not exist yet (step 3 only printed its calls).
  dryRunPlan:
    "load the chosen schemas into the target (pg_dump --schema-only pre-data, or your hook), set aside foreign keys and secondary indexes with their definitions recorded, and create the cutover marker table.",
  async run(ctx) {
    return withBoth(() => openDatabase(ctx, "source"), () => openDatabase(ctx, "target"), async (source, target) => {
      const schemas = await chosenSchemas(ctx, source);
      const method = await ctx.prompter.select({
        id: "schema.method",
        message: "How should the schema reach the target?",
        choices: [
          { value: "built-in", name: "Built in: pg_dump --schema-only from the source" },
          { value: "hook", name: "My own command (e.g. bin/rails db:schema:load)" },
        ] as const,
        default: "built-in",
      });
      const choice: SetAsideChoice = {
        indexes: await ctx.prompter.confirm({
          id: "schema.setAsideIndexes",
          message: "Set aside secondary indexes during the full load too (faster load; rebuilt afterwards)?",
          default: true,
        }),
      };
      let setAside: SetAsideObject[];
      let pgDump: string | undefined;
      if (method === "built-in") {
        ({ setAside, pgDump } = await builtIn(ctx, source, target, schemas, choice));
      } else {
        setAside = await withHook(ctx, target, schemas, choice);
        // Recorded before anything is dropped: a crash in between loses no definition.
        const recorded: SchemaLoadOutput = { method, schemas, phase: "recorded", setAside };
          writeOutput(ctx, STEP_ID, recorded);
        await ctx.save();
        await dropSetAside(target, setAside);
      }
      await requireValidKeys(target, schemas, method);
      await ensureMarkerTable(source);
      await ensureMarkerTable(target);
      const fks = setAside.filter((o) => o.kind === "foreign-key").length;
      ctx.reporter.success(`Set aside until the full load is done: ${fks} foreign key(s), ${setAside.length - fks} index(es) and unique constraint(s)`);
      const report = await parity(source, target, schemas, setAside);
      // The DDL drift guard's baseline: the source's catalog now, compared again before the cutover.
      const drift = await readDriftCatalog(source, schemas);
      const output: SchemaLoadOutput = {
        method,
        schemas,
        ...(pgDump ? { pgDump } : {}),
        phase: method === "hook" ? "dropped" : "loaded",
        setAside,
        parity: { blockers: report.blockers, warnings: report.warnings },
        drift: { fingerprint: driftFingerprint(drift), recordedAt: ctx.clock.now().toISOString(), objects: drift },
      };
        writeOutput(ctx, STEP_ID, output);
      await ctx.save();
      const problems = report.differences.filter((d) => d.severity !== "info");
      printParity(report, ctx.reporter);
      if (report.blockers > 0) {
        throw new BlockedError(`The target's schema lacks ${report.blockers} table(s), column(s) or primary key(s) the source has.`, {
          details: problems.filter((d) => d.severity === "blocker").map(describeDifference),
          hint: method === "hook" ? "Your schema command does not create them: fix it, then resume (it runs again)." : "Resume to load the schema again.",
        });
      }
      return {
        summary: `${method === "hook" ? "hook" : "pg_dump"} into ${schemas.join(", ")}; set aside ${fks} foreign key(s), ${setAside.length - fks} index(es)`,
        findings: parityFindings(report),
      };
    });
  },
};
