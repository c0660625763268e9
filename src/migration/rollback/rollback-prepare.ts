/**
 * Before a rollback changes anything: the window must be open (a switched cutover, the reverse
 * task seen running), the reverse task under the latency threshold, and the plan of Aurora's
 * freeze, the hook and the confirmation.
 */
import type { PgClient } from "../../adapters/postgres/connect.js";
import { ensureMarkerTable } from "../../adapters/postgres/marker.js";
import { BlockedError, OperationError } from "../../core/errors.js";
import { commandFor } from "../../state/paths.js";
import { failingSpinner } from "../../ui/reporter.js";
import { chosenSchemas } from "../chosen-schemas.js";
import type { StepContext } from "../context.js";
import { markerTableExists } from "../cutover/drain.js";
import { readFreezeFacts } from "../cutover/freeze-facts.js";
import { applySql, planFreeze } from "../cutover/freeze-plan.js";
import { cutoverOutput } from "../cutover/output.js";
import { Q } from "../cutover/questions.js";
import type { FreezeRecord } from "../cutover/record.js";
import { rollbackWindowOutput } from "./output.js";
import type { RollbackDeps } from "./rollback-deps.js";
import { rollbackVerdict } from "./rollback-preconditions.js";
import { GO_ON_WITHOUT_WINDOW } from "./prepare-reverse.js";
import { recordRollbackCheckReadings } from "./finish-readings.js";
import { RQ, askRollbackLatency, askSwitchBackHook } from "./rollback-questions.js";
import { hookTimeout, numberAnswer } from "./rollback-recovery.js";
import { ROLLBACK_WINDOW } from "../aws/logical-replication.js";

export interface Plan {
  record: FreezeRecord;
  switchBackHook: string;
  schemas: string[];
  drainTimeoutSeconds: number;
  hookTimeoutSeconds: number;
}

export function assertWindowOpen(ctx: StepContext): void {
  const report = cutoverOutput(ctx).report;
  if (report?.outcome !== "switched") {
    throw new BlockedError("No switched cutover is recorded: the app was never moved to Aurora, so there is nothing to roll back. Nothing was changed.", {
      hint: `Run \`${commandFor("cutover", ctx.options)}\` first; before it, the old server is where the app writes.`,
    });
  }
  const win = rollbackWindowOutput(ctx);
  if (win.finishedAt) {
    throw new BlockedError(`The rollback window was ended at ${win.finishedAt} (\`aurora-migrate finish\`): nothing carries Aurora's writes back to the old server any more. Nothing was changed.`, {
      hint: "Going back now loses what was written on Aurora since; migrate back the other way instead.",
    });
  }
  const declined = !win.openedAt && !win.reverseStartRequestedAt && !win.slot ? whyNoWindow(ctx) : undefined;
  if (declined) {
    throw new BlockedError(`No rollback window: ${declined}, so nothing carries Aurora's writes back to the old server. Nothing was changed.`, {
      hint: "Going back now would lose what was written on Aurora since the switch: to return, migrate the other way (Aurora as the source), or keep the app on Aurora.",
    });
  }
  if (!win.openedAt) {
    throw new BlockedError("No rollback window is open: the reverse DMS task was never seen running after the cutover. Nothing was changed.", {
      hint:
        win.reverseStartRequestedAt || win.slot
          ? `The cutover prepared it but did not see it run: \`${commandFor("status", ctx.options)}\` shows the reverse task; run the cutover again to resume it (\`${commandFor("cutover", ctx.options)}\`).`
          : "The rollback window is prepared by the cutover when rollback.window is yes (asked in step 2). Without it, going back loses what was written on Aurora since the switch.",
    });
  }
}

/** Why the migration has no rollback window by the user's own answers, or undefined. */
function whyNoWindow(ctx: StepContext): string | undefined {
  if (ctx.state.answers[ROLLBACK_WINDOW] === false) return `it was declined at step 2 (${ROLLBACK_WINDOW}: no)`;
  if (ctx.state.answers[GO_ON_WITHOUT_WINDOW] === true) return `the cutover went on without one when its reverse path could not be prepared (${GO_ON_WITHOUT_WINDOW}: yes)`;
  return undefined;
}

/** Preconditions, the freeze's plan on Aurora, the hook and the confirmation. Undefined on --dry-run. Nothing is changed (but the marker table created on Aurora when missing). */
export async function prepareRollback(ctx: StepContext, deps: RollbackDeps, old: PgClient, aurora: PgClient): Promise<Plan | undefined> {
  const { reporter, prompter } = ctx;
  const sourceFreeze = cutoverOutput(ctx).freeze;
  if (!sourceFreeze || sourceFreeze.method !== "roles") {
    throw new BlockedError(
      `The cutover ${sourceFreeze?.method === "hook" ? "froze the old server with your own commands" : "did not freeze the old server"}, so the tool does not know the app's roles to freeze on Aurora. Nothing was changed.`,
      { hint: "The rollback freezes Aurora by the app's roles, as the cutover froze the old server (cutover.freezeMethod roles)." },
    );
  }
  if (sourceFreeze.status !== "applied") {
    throw new BlockedError(`The old server's freeze for the app is ${sourceFreeze.status}, not in force: the app may already write there. Nothing was changed.`, {
      hint: `Point the app at Aurora only, then \`${commandFor("rollback", ctx.options)} --unfreeze\` restores the window (the old server frozen again).`,
    });
  }
  const maxLatencySeconds = await askRollbackLatency(prompter);
  const spinner = reporter.spinner("Checking the reverse task and its latency");
  const verdict = await failingSpinner(
    spinner,
    async () => {
      const reverseTaskStatus = await deps.reverseTaskStatus();
      const cdcLatencySeconds = await deps.reverseLatencySeconds();
      // What `status` shows of the window (it never connects): recorded here, where the tool reads it anyway.
      await recordRollbackCheckReadings(ctx, aurora, reverseTaskStatus, cdcLatencySeconds);
      return rollbackVerdict({ reverseTaskStatus, cdcLatencySeconds, latencyThresholdSeconds: maxLatencySeconds });
    },
    "Could not check the rollback's preconditions",
  );
  if (!verdict.ready) {
    spinner.fail("The rollback cannot start yet");
    throw new BlockedError(`The rollback cannot start: ${verdict.problems.length} problem(s). Nothing was changed.`, {
      details: verdict.problems.map((p) => `- ${p}`),
      hint: `Fix them and run \`${commandFor("rollback", ctx.options)}\` again.`,
    });
  }
  spinner.succeed("The reverse task runs and its latency is under the threshold");

  const facts = await readFreezeFacts(aurora);
  const missing = sourceFreeze.roles.filter((r) => !facts.roles.some((f) => f.name === r));
  if (missing.length) {
    throw new BlockedError(`The app's role(s) ${missing.join(", ")}, frozen on the old server by the cutover, do not exist on Aurora, so the app cannot be writing there with them. Nothing was changed.`, {
      hint: "Check which roles the app uses on Aurora; the rollback freezes the ones the cutover froze.",
    });
  }
  const freeze = planFreeze(facts, sourceFreeze.roles);
  for (const w of freeze.warnings) reporter.warn(w);
  if (freeze.problems.length) {
    throw new BlockedError("The write freeze on Aurora cannot be made. Nothing was changed.", {
      details: freeze.problems.map((p) => `- ${p.replace("on the source", "on Aurora")}`),
      hint: "Run the rollback as Aurora's master user (the database owner), or give the tool's login CREATEROLE.",
    });
  }
  const record: FreezeRecord = {
    method: "roles",
    database: facts.database,
    roles: [...sourceFreeze.roles],
    changes: freeze.changes.map((change) => ({ change, status: "planned" as const })),
    status: "applying",
    terminated: [],
  };
  const schemas = await chosenSchemas(ctx, old);
  const switchBackHook = await askSwitchBackHook(prompter);
  const drainTimeoutSeconds = numberAnswer(ctx, Q.drainTimeout, 600);
  const hookTimeoutSeconds = hookTimeout(ctx);
  const markers = { aurora: await markerTableExists(aurora), old: await markerTableExists(old) };
  const consequences = [
    ...(markers.aurora && markers.old ? [] : [`First the marker table aurora_migrate.cutover_marker is created on ${[markers.aurora ? "" : "Aurora", markers.old ? "" : "the old server"].filter(Boolean).join(" and ")}.`]),
    `Writes on Aurora (${facts.database}) stop for ${record.roles.join(", ")}: they lose access and their sessions there are ended. Run on Aurora, in one transaction:`,
    ...freeze.changes.map((c) => `  ${applySql(c, facts.database)};`),
    `Then a marker row is written on Aurora and awaited on the old server (at most ${drainTimeoutSeconds} s), the rows whose primary key changed on Aurora are re-copied onto it, the old server's sequences are moved to Aurora's positions (never backwards), the old server's freeze is lifted, and your switch-back command runs:`,
    `  ${switchBackHook}`,
    "If anything fails before it starts, or it exits non-zero, Aurora's freeze is lifted and the old server frozen again: the app stays on Aurora, the window open.",
    "If it is ended (time limit, Ctrl-C) or the tool is killed while it runs, nothing is undone: settle it with `rollback --switched` or `rollback --unfreeze`.",
    "After it: the reverse task is stopped; Aurora stays frozen for the app.",
  ];
  if (ctx.options.dryRun) {
    for (const line of consequences) reporter.info(line);
    return undefined;
  }
  const go = await prompter.confirmDestructive({ id: RQ.confirmFreeze, message: "Freeze the app's writes on Aurora and switch it back to the old server now?", consequences });
  if (!go) throw new OperationError("Rollback cancelled. Nothing was changed.");
  // Created only when missing, before the freeze (DDL on Aurora reaches the reverse task's slot as any change).
  if (!markers.aurora) await ensureMarkerTable(aurora);
  if (!markers.old) await ensureMarkerTable(old);
  return { record, switchBackHook, schemas, drainTimeoutSeconds, hookTimeoutSeconds };
}
