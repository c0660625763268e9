import type { PgClient } from "../../adapters/postgres/connect.js";
import { describeLocation } from "../../adapters/postgres/url.js";
import { isPlanValue } from "../../adapters/aws/dry-run.js";
import { AppError } from "../../core/errors.js";
import { shellQuote } from "../../core/shell-quote.js";
import type { StepContext } from "../context.js";
import type { ResourceRecord } from "../../state/schema.js";
import { cutoverOutput } from "../cutover/output.js";
import { hasTarget, openDatabase, recordedLocation } from "../connections.js";
import { readOutput, writeOutput } from "../outputs/read.js";
import type { CleanupDeps, CleanupOutcome } from "./deps.js";
import { dmsArtefactDropSql, dropDmsArtefacts, findDmsArtefacts } from "./dms-artefacts.js";
import { RESOURCE_KIND, SLOT_RESOURCE_KEY } from "./kinds.js";
import { cleanKeyChanges } from "./key-changes.js";
import { changeDatabase } from "../planned-sql.js";
import { CLEANUP_STEP_ID, markCleanupStarted } from "./progress.js";
import { MARKER_DROP_SQL, dropToolSchema } from "./marker.js";
import { dropSlot, otherInactiveSlots, readSlot } from "./slot.js";
import { RES } from "../aws/resources.js";
import { endRollbackWindow, windowOpenRefusal } from "../rollback/finish.js";
import { rollbackWindowOpen } from "../rollback/output.js";

export interface CleanupOptions {
  /** --keep-task: stop the task but do not delete it. */
  keepTask?: boolean;
  /** --keep-endpoints */
  keepEndpoints?: boolean;
  /** --keep-instance */
  keepInstance?: boolean;
  /** --end-rollback-window (and `finish`): end an open rollback window first; without it cleanup refuses while one is open. */
  endRollbackWindow?: boolean;
}

export interface CleanupReport {
  /** What this run removed. */
  done: string[];
  /** What was already gone. */
  alreadyGone: string[];
  /** What stays, and why. */
  remaining: string[];
}


type Live = ResourceRecord & { deletedAt?: string };

/** The rollback window's reverse path: removed first, by endRollbackWindow (rollback/finish.ts), not by the loops below. */
const REVERSE_KEYS = new Set<string>([RES.reverseTask, RES.reverseSourceEndpoint, RES.reverseTargetEndpoint, RES.auroraSlot]);

/** Resources of a kind still recorded as present (the reverse path aside). */
function live(ctx: StepContext, kind: string): [string, Live][] {
  return Object.entries(ctx.state.resources).filter(([key, r]) => r.kind === kind && (r as Live).deletedAt === undefined && !REVERSE_KEYS.has(key));
}

function deleted(ctx: StepContext, kind: string): Live[] {
  return Object.values(ctx.state.resources).filter((r) => r.kind === kind && (r as Live).deletedAt !== undefined);
}

/**
 * Cleanup (step 13; README, "Cutover and cleanup"): the DMS task stopped and deleted, its endpoints (then their
 * secrets, roles and CA certificate) and the replication instance deleted (each confirmed, each skippable), the security-group rules the
 * tool added revoked; on the source, DMS's replication slot dropped (refused while active),
 * DMS's DDL-capture objects, the key-change capture (its triggers, table and function) and the
 * tool's marker schema removed (and the marker schema on the target). Everything is looked up first, so a second run finds nothing to do and says so.
 */
export async function runCleanup(ctx: StepContext, deps: CleanupDeps, options: CleanupOptions = {}): Promise<CleanupReport> {
  const { prompter, reporter } = ctx;
  // The reverse task runs on the replication instance and uses the endpoints' secrets, roles and rules: nothing goes while the window is open.
  if (rollbackWindowOpen(ctx) && !options.endRollbackWindow) throw windowOpenRefusal(ctx);
  const report: CleanupReport = { done: [], alreadyGone: [], remaining: [] };
  const now = (): string => ctx.clock.now().toISOString();
  /** Records removed by this run (or that would be, under --dry-run). */
  const removed = new Set<ResourceRecord>();
  const outcome = async (what: string, r: Live, call: Promise<CleanupOutcome>): Promise<void> => {
    const result = await call;
    removed.add(r);
    // Kept (--dry-run): the call was planned, not made; nothing is recorded or reported as gone.
    if (ctx.options.dryRun) return;
    r.deletedAt = now();
    await ctx.save();
    (result === "done" ? report.done : report.alreadyGone).push(what);
    reporter.success(result === "done" ? `Deleted ${what}` : `${what} was already gone`);
  };

  if (cutoverOutput(ctx).report?.outcome !== "switched") {
    const go = await prompter.confirmDestructive({
      id: "cleanup.beforeCutover",
      message: "The cutover has not switched the app to the target. Clean up anyway?",
      consequences: ["Cleaning up stops replication for good: the target stops receiving the source's changes."],
    });
    if (!go) throw new AppError("Cleanup cancelled; nothing was changed.", 1, { hint: "Run `aurora-migrate cutover` first." });
  }
  await markCleanupStarted(ctx);
  // The rollback window's reverse path first (after `finish`, a `rollback`, or a window never opened): the forward resources it uses go after it.
  await endRollbackWindow(ctx, deps, report);

  // AWS: the task first (it holds the slot), then what it used.
  for (const [, task] of live(ctx, RESOURCE_KIND.task)) {
    if (task["stoppedAt"] === undefined) {
      const go = await prompter.confirmDestructive({ id: "cleanup.stopTask", message: `Stop the DMS task ${task.id}?`, consequences: [`The task ${task.id} stops replicating to the target.`] });
      if (go) {
        const r = await deps.stopTask(task);
        // Kept, as for deletions: a planned stop is not recorded nor reported as made.
        if (!ctx.options.dryRun) {
          task["stoppedAt"] = now();
          await ctx.save();
          reporter.success(r === "done" ? `Stopped the task ${task.id}` : `The task ${task.id} was already stopped`);
        }
      }
    }
    if (options.keepTask || !task.createdByUs) {
      report.remaining.push(`DMS task ${task.id} (${options.keepTask ? "--keep-task" : "not created by aurora-migrate"})`);
      continue;
    }
    if (await prompter.confirmDestructive({ id: "cleanup.deleteTask", message: `Delete the DMS task ${task.id}?` })) await outcome(`the DMS task ${task.id}`, task, deps.deleteTask(task));
    else report.remaining.push(`DMS task ${task.id} (kept at your answer)`);
  }
  /** Deletes the tool's resources of a kind (one confirmation for all), unless `keep` says why not. */
  const awsGroup = async (kind: string, keep: string | undefined, question: string, label: string, call: (r: ResourceRecord) => Promise<CleanupOutcome>): Promise<void> => {
    const recs = live(ctx, kind);
    const ours = recs.filter(([, r]) => r.createdByUs);
    for (const [, r] of recs.filter(([, x]) => !x.createdByUs)) report.remaining.push(`${label} ${r.id} (not created by aurora-migrate)`);
    if (ours.length === 0) return;
    if (keep) {
      for (const [, r] of ours) report.remaining.push(`${label} ${r.id} (${keep})`);
      return;
    }
    const names = ours.map(([, r]) => r.id);
    if (!(await prompter.confirmDestructive({ id: question, message: `Delete the ${label}${names.length > 1 ? "s" : ""} ${names.join(", ")}?` }))) {
      for (const n of names) report.remaining.push(`${label} ${n} (kept at your answer)`);
      return;
    }
    for (const [, r] of ours) await outcome(`the ${label} ${r.id}`, r, call(r));
  };
  // DMS deletes an endpoint or an instance only once no task uses it (docs/dms-notes.md §15).
  const left = (kind: string): ResourceRecord | undefined => live(ctx, kind).find(([, r]) => !removed.has(r))?.[1];
  const taskLeft = left(RESOURCE_KIND.task);
  const usedByTask = taskLeft ? `the DMS task ${taskLeft.id} still uses it` : undefined;
  await awsGroup(RESOURCE_KIND.endpoint, options.keepEndpoints ? "--keep-endpoints" : usedByTask, "cleanup.deleteEndpoints", "DMS endpoint", (r) => deps.deleteEndpoint(r));
  // An endpoint's secret, the role DMS reads it with and its CA certificate, once no endpoint of ours is left to use them.
  const endpointLeft = left(RESOURCE_KIND.endpoint);
  const usedByEndpoint = endpointLeft ? `the DMS endpoint ${endpointLeft.id} still uses it` : undefined;
  await awsGroup(RESOURCE_KIND.certificate, usedByEndpoint, "cleanup.deleteCertificates", "DMS certificate", (r) => deps.deleteCertificate(r));
  await awsGroup(RESOURCE_KIND.iamRole, usedByEndpoint, "cleanup.deleteSecretRoles", "IAM role", (r) => deps.deleteRole(r));
  await awsGroup(RESOURCE_KIND.secret, usedByEndpoint, "cleanup.deleteSecrets", "Secrets Manager secret", (r) => deps.deleteSecret(r));
  await awsGroup(RESOURCE_KIND.instance, options.keepInstance ? "--keep-instance" : usedByTask, "cleanup.deleteInstance", "DMS replication instance", (r) => deps.deleteInstance(r));
  const instanceLeft = left(RESOURCE_KIND.instance);
  await awsGroup(RESOURCE_KIND.subnetGroup, instanceLeft ? `the replication instance ${instanceLeft.id} still uses it` : undefined, "cleanup.deleteSubnetGroup", "DMS replication subnet group", (r) => deps.deleteSubnetGroup(r));
  await awsGroup(RESOURCE_KIND.securityGroupRule, undefined, "cleanup.revokeRules", "security-group rule", (r) => deps.revokeRule(r));
  // The rollback window's parameter group: RDS deletes it only once no cluster uses it, and the cluster is the user's new database.
  const groupRec = live(ctx, RESOURCE_KIND.clusterParameterGroup).find(([, r]) => r.createdByUs)?.[1];
  const groupUser = groupRec ? await deps.clusterParameterGroupUser(groupRec) : undefined;
  await awsGroup(RESOURCE_KIND.clusterParameterGroup, groupUser && groupRec ? parameterGroupKept(groupRec, groupUser) : undefined, "cleanup.deleteClusterParameterGroup", "cluster parameter group", (r) => deps.deleteClusterParameterGroup(r));
  for (const kind of [RESOURCE_KIND.task, RESOURCE_KIND.endpoint, RESOURCE_KIND.certificate, RESOURCE_KIND.iamRole, RESOURCE_KIND.secret, RESOURCE_KIND.instance, RESOURCE_KIND.subnetGroup, RESOURCE_KIND.securityGroupRule, RESOURCE_KIND.clusterParameterGroup]) {
    for (const r of deleted(ctx, kind)) report.alreadyGone.push(`${kind} ${r.id} (deleted ${r.deletedAt ?? "earlier"})`);
  }

  const source = await openDatabase(ctx, "source");
  let slotRefusal: AppError | undefined;
  try {
    slotRefusal = await cleanSource(ctx, source, report);
  } finally {
    await source.end().catch(() => undefined);
  }
  await cleanTarget(ctx, report);

  // After a rollback the app writes on the old server again: Aurora is the copy it left.
  const rollback = readOutput(ctx, "rollback-window")?.rollback;
  const rolledBackAt = rollback?.outcome === "switched-back" ? (rollback.switchBack?.finishedAt ?? "time not recorded") : undefined;
  for (const [, c] of live(ctx, RESOURCE_KIND.cluster)) {
    report.remaining.push(rolledBackAt ? `Aurora cluster ${c.id}: the app left it at the rollback (${rolledBackAt}); yours to delete once you no longer need its copy` : `Aurora cluster ${c.id}: your new database`);
  }
  for (const [, g] of live(ctx, RESOURCE_KIND.securityGroup).filter(([, r]) => r.createdByUs)) {
    report.remaining.push(`security group ${g.id}, created by aurora-migrate: delete it once nothing uses it (aws ec2 delete-security-group --group-id ${g.id})`);
  }
  const freeze = cutoverOutput(ctx).freeze;
  const frozen = freeze && freeze.status !== "lifted" && freeze.method === "roles" ? `; writes of ${freeze.roles.join(", ")} are still frozen there (aurora-migrate cutover --unfreeze lifts that)` : "";
  report.remaining.push(
    rolledBackAt
      ? `The old server ${describeLocation(recordedLocation(ctx, "source"))}: where the app writes again since the rollback${frozen}`
      : `The old server ${describeLocation(recordedLocation(ctx, "source"))}: untouched otherwise, yours to retire${frozen}`,
  );

  writeOutput(ctx, CLEANUP_STEP_ID, { ...readOutput(ctx, CLEANUP_STEP_ID), ranAt: now(), ...report });
  await ctx.save();
  printReport(ctx, report);
  if (slotRefusal) throw slotRefusal;
  return report;
}

/** Why the parameter group stays while the cluster uses it, and the exact way to remove it then. */
function parameterGroupKept(group: ResourceRecord, clusterId: string): string {
  const family = typeof group["family"] === "string" ? group["family"] : "aurora-postgresql<major>";
  return (
    `the Aurora cluster ${clusterId} uses it, keeping logical replication on; to remove it: ` +
    `aws rds modify-db-cluster --db-cluster-identifier ${shellQuote(clusterId)} --db-cluster-parameter-group-name default.${family} --apply-immediately, ` +
    `reboot the writer, then aws rds delete-db-cluster-parameter-group --db-cluster-parameter-group-name ${shellQuote(group.id)}`
  );
}

/** The slot, DMS's DDL-capture objects and the marker schema on the source. Returns a slot refusal to throw at the end. */
async function cleanSource(ctx: StepContext, source: PgClient, report: CleanupReport): Promise<AppError | undefined> {
  const { reporter } = ctx;
  let refusal: AppError | undefined;
  const slotRec = ctx.state.resources[SLOT_RESOURCE_KEY];
  if (slotRec) {
    const slot = await readSlot(source, slotRec.id);
    let gone = slot === undefined;
    if (!slot) {
      report.alreadyGone.push(`replication slot ${slotRec.id}`);
    } else {
      const retained = slot.retainedBytes === null ? "" : ` (it keeps ${Math.round(slot.retainedBytes / 1024 / 1024)} MB of WAL on the source)`;
      const change = await changeDatabase(ctx, {
        where: "source",
        statements: [`SELECT pg_drop_replication_slot('${slot.name}')`],
        ask: { id: "cleanup.dropSlot", message: `Drop the replication slot ${slot.name} on the source${retained}?` },
        apply: async () => {
        try {
          const r = await dropSlot(source, slot.name);
          gone = true;
          (r === "dropped" ? report.done : report.alreadyGone).push(`replication slot ${slot.name}`);
          if (r === "dropped") reporter.success(`Dropped the replication slot ${slot.name}`);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          refusal = err;
          report.remaining.push(`replication slot ${slot.name} (in use: not dropped)`);
        }
        },
      });
      if (change === "declined") {
        report.remaining.push(`replication slot ${slot.name}${retained}: drop it when done, or the source's disk fills with WAL: SELECT pg_drop_replication_slot('${slot.name}');`);
      }
    }
    if (gone && slotRec.deletedAt === undefined) {
      slotRec.deletedAt = ctx.clock.now().toISOString();
      await ctx.save();
    }
  }
  for (const s of await otherInactiveSlots(source, slotRec?.id)) {
    reporter.warn(`The source has another inactive logical slot, ${s.name}, keeping ${Math.round((s.retainedBytes ?? 0) / 1024 / 1024)} MB of WAL. If it is a leftover: SELECT pg_drop_replication_slot('${s.name}');`);
  }

  const artefacts = dmsArtefactDropSql(await findDmsArtefacts(source));
  if (artefacts.length === 0) report.alreadyGone.push("DMS's DDL-capture objects on the source");
  else {
    const change = await changeDatabase(ctx, {
      where: "source",
      statements: artefacts,
      ask: { id: "cleanup.dropDmsArtefacts", message: "Remove DMS's DDL-capture objects from the source?", consequences: artefacts.map((s) => `  ${s};`) },
      apply: async () => {
    await dropDmsArtefacts(source, artefacts);
    report.done.push("DMS's DDL-capture objects on the source (event trigger awsdms_intercept_ddl, its function, awsdms_ddl_audit)");
    reporter.success("Removed DMS's DDL-capture objects from the source");
      },
    });
    if (change === "declined") report.remaining.push(`DMS's DDL-capture objects on the source: ${artefacts.join("; ")}`);
  }

  await cleanKeyChanges(ctx, source, report);
  await markerSchema(ctx, source, "source", report);
  return refusal;
}

async function cleanTarget(ctx: StepContext, report: CleanupReport): Promise<void> {
  // No target recorded (step 3 never got that far): nothing of ours on it.
  if (!hasTarget(ctx)) return;
  // A cluster a dry run only planned (its writer endpoint a plan value) cannot be read: what would be dropped there is printed.
  const endpoint = readOutput(ctx, "aurora-cluster")?.writerEndpoint;
  if (typeof endpoint === "string" && isPlanValue(endpoint)) {
    await changeDatabase(ctx, { where: "target (if the schema is there)", statements: MARKER_DROP_SQL, apply: () => Promise.resolve() });
    return;
  }
  const target = await openDatabase(ctx, "target");
  try {
    await markerSchema(ctx, target, "target", report);
  } finally {
    await target.end().catch(() => undefined);
  }
}

async function markerSchema(ctx: StepContext, client: PgClient, where: "source" | "target", report: CleanupReport): Promise<void> {
  const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'aurora_migrate'");
  if (rows.length === 0) {
    report.alreadyGone.push(`the aurora_migrate schema on the ${where}`);
    return;
  }
  const change = await changeDatabase(ctx, {
    where,
    statements: MARKER_DROP_SQL,
    ask: { id: "cleanup.dropMarker", message: `Drop the tool's aurora_migrate schema (the cutover marker) on the ${where}?` },
    apply: async () => {
  const r = await dropToolSchema(client);
  if (r === "dropped") report.done.push(`the aurora_migrate schema on the ${where}`);
  else if (r === "already-gone") report.alreadyGone.push(`the aurora_migrate schema on the ${where}`);
  else report.remaining.push(`the aurora_migrate schema on the ${where} (marker table dropped; it holds other objects, so it was left)`);
    },
  });
  if (change === "declined") report.remaining.push(`the aurora_migrate schema on the ${where}`);
}

function printReport(ctx: StepContext, report: CleanupReport): void {
  const { reporter } = ctx;
  if (ctx.options.dryRun) reporter.info("Dry run: the calls and statements above were printed, not made; nothing was changed.");
  else if (report.done.length === 0) reporter.success("Nothing left to clean up: everything the migration created is already gone.");
  else {
    reporter.success(`Cleaned up ${report.done.length} item(s):`);
    for (const d of report.done) reporter.info(`  • ${d}`);
  }
  if (report.remaining.length) {
    reporter.heading("What remains");
    for (const r of report.remaining) reporter.info(`  • ${r}`);
  }
  reporter.json(report);
}
