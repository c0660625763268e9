/**
 * The rollback window's reverse path (issue 14, item 2), prepared by the cutover before the
 * freeze: Aurora as a DMS source (the forward target's login, CA and host; the slot the window
 * creates named in SlotName), the old server as a DMS target (the forward source's login,
 * `session_replication_role = replica`), both tested by DMS, and the cdc task between them,
 * created and ready but not started. Each is recorded in state.resources (RES.reverse*) as it
 * is made, and reused on a rerun.
 */
import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices, CreateEndpointInput, DmsEndpoint, ReplicationTask } from "../../adapters/aws/ports.js";
import { MARKER_TABLE, TOOL_SCHEMA } from "../../adapters/postgres/marker.js";
import type { PgClient } from "../../adapters/postgres/connect.js";
import { BlockedError, OperationError, errorMessage } from "../../core/errors.js";
import { quoteIdent } from "../../plan/sql-text.js";
import { planLobSettings } from "../../plan/lob-sizing.js";
import { type SelectionRule, buildTableMappings, literalPattern } from "../../plan/table-mappings.js";
import { buildTaskSettings } from "../../plan/task-settings.js";
import type { StepContext } from "../context.js";
import { awsFor } from "../aws/context.js";
import { endpointChanges } from "../aws/endpoint-sync.js";
import { sourcePasswordForDms, targetLoginPassword } from "../aws/endpoint-passwords.js";
import { testConnections } from "../aws/endpoint-tests.js";
import { logicalReplicationAdvice, logicalReplicationOf, rollbackWindowChosen } from "../aws/logical-replication.js";
import { findCluster, findEndpoint, findTask } from "../aws/lookups.js";
import { pollUntil } from "../aws/poll.js";
import { RES, goneError, recordResource, recorded } from "../aws/resources.js";
import { readOutput } from "../outputs/read.js";
import { rollbackWindowOutput } from "./output.js";
import { installAuroraKeyCapture } from "./reverse-key-changes.js";

/** The question asked when the reverse path cannot be made: go on with the cutover without a rollback window. */
export const GO_ON_WITHOUT_WINDOW = "cutover.withoutRollbackWindow";

/** What the window needs of the prepared reverse path. */
export interface ReversePath {
  forwardTaskArn: string;
  reverseTaskArn: string;
  reverseTaskId: string;
  /** The Aurora slot the window creates and the reverse source endpoint reads. */
  slotName: string;
}

/** The Aurora slot's name: from the forward task's identifier, lowercase, [a-z0-9_], at most 63 characters (NAMEDATALEN - 1). */
export function auroraSlotName(taskId: string): string {
  const base = taskId.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return `am_rb_${base}`.slice(0, 63);
}

/**
 * The reverse task's mappings: the forward task's selection rules (its parallel-load
 * `table-settings` rules dropped: a cdc task loads nothing), and exclude rules for DMS's own
 * control tables (`awsdms_%`, in any schema) and the tool's tables other than the cutover
 * marker (its explicit rule stays, so a marker written on Aurora reaches the old server).
 */
export function reverseTableMappings(forwardMappings: string | undefined, schemas: readonly string[]): { rules: SelectionRule[] } {
  let rules: SelectionRule[] = [];
  try {
    const parsed = JSON.parse(forwardMappings ?? "{}") as { rules?: unknown };
    if (Array.isArray(parsed.rules)) rules = (parsed.rules as SelectionRule[]).filter((r) => r["rule-type"] === "selection");
  } catch {
    rules = [];
  }
  if (rules.length === 0) rules = buildTableMappings(schemas, { schema: TOOL_SCHEMA, table: MARKER_TABLE }).rules;
  let id = rules.reduce((max, r) => Math.max(max, Number(r["rule-id"]) || 0), 0);
  const exclude = (name: string, schema: string, table: string): SelectionRule => {
    id += 1;
    return { "rule-type": "selection", "rule-id": String(id), "rule-name": name, "object-locator": { "schema-name": schema, "table-name": table }, "rule-action": "exclude" };
  };
  return {
    rules: [
      ...rules,
      exclude("exclude-dms-control-tables", "%", `${literalPattern("awsdms_")}%`),
      // The tool's schema (its key-change log and anything else) except the marker, which the explicit rule keeps.
      exclude("exclude-aurora-migrate-key-changes", literalPattern(TOOL_SCHEMA), literalPattern("key_changes")),
    ],
  };
}

/** The reverse task's settings: cdc only (nothing loaded, nothing prepared on the old server), the forward task's LOB settings. */
export function reverseTaskSettings(forwardSettings: string | undefined, fallbackMaxLobBytes: number | undefined): Record<string, unknown> {
  let lob = planLobSettings(fallbackMaxLobBytes).settings;
  try {
    const meta = (JSON.parse(forwardSettings ?? "{}") as { TargetMetadata?: Record<string, unknown> }).TargetMetadata;
    if (meta && typeof meta["FullLobMode"] === "boolean") {
      lob = {
        SupportLobs: true,
        FullLobMode: meta["FullLobMode"],
        LimitedSizeLobMode: meta["LimitedSizeLobMode"] === true,
        LobMaxSize: typeof meta["LobMaxSize"] === "number" ? meta["LobMaxSize"] : lob.LobMaxSize,
        LobChunkSize: typeof meta["LobChunkSize"] === "number" ? meta["LobChunkSize"] : lob.LobChunkSize,
        InlineLobMaxSize: 0,
      };
    }
  } catch {
    // Unreadable stored settings: the preflight's sizing.
  }
  const settings = buildTaskSettings({ lob });
  settings["FullLoadSettings"] = { TargetTablePrepMode: "DO_NOTHING", StopTaskCachedChangesApplied: false, StopTaskCachedChangesNotApplied: false };
  return settings;
}

/** The SQL to see whether a login may create a logical replication slot (superuser, REPLICATION, or rds_replication on Aurora). */
const CAN_REPLICATE = `SELECT r.rolname, r.rolsuper OR r.rolreplication
   OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication') AND pg_has_role(r.oid, 'rds_replication', 'member')) AS ok
   FROM pg_roles r WHERE r.rolname = ANY($1)`;

/** The logins on Aurora (the tool's own, which creates the slot; DMS's, which reads it) that may not create a replication slot. */
async function slotLoginProblems(target: PgClient, dmsUser: string): Promise<string[]> {
  const me = (await target.query<{ u: string }>("SELECT current_user AS u")).rows[0]?.u ?? "";
  const users = [...new Set([me, dmsUser].filter(Boolean))];
  const rows = (await target.query<{ rolname: string; ok: boolean }>(CAN_REPLICATE, [users])).rows;
  return rows.filter((r) => !r.ok).map((r) => r.rolname);
}

/**
 * Prepares the reverse path when the rollback window was chosen and Aurora can be a DMS source;
 * undefined when there will be no window (said why). A problem the user can fix stops before the
 * freeze with the fix, unless the user answers to go on without a window (--yes: stops).
 */
export async function prepareReversePath(ctx: StepContext, target: PgClient): Promise<ReversePath | undefined> {
  if (!rollbackWindowChosen(ctx)) return undefined;
  const { reporter } = ctx;
  const aws = await awsFor(ctx);
  const aurora = readOutput(ctx, "aurora-cluster");
  const instance = readOutput(ctx, "replication-instance");
  const forwardTask = recorded(ctx, RES.task);
  if (!aurora || !instance || !forwardTask?.arn) {
    reporter.warn("No rollback window: the state records no Aurora cluster, replication instance or DMS task to build the reverse path from.");
    return undefined;
  }
  const cluster = await findCluster(aws, aurora.clusterId);
  if (cluster && !ctx.options.dryRun) {
    const lr = await logicalReplicationOf(aws, cluster);
    if (lr.state !== "on") {
      reporter.warn(
        [
          `No rollback window: Aurora (${aurora.clusterId}) cannot be a DMS source, because rds.logical_replication is ${lr.state === "pending-reboot" ? "set but waits for a reboot of the writer" : "off"}. The cutover goes on without one; \`aurora-migrate rollback\` will not be possible.`,
          ...logicalReplicationAdvice(cluster, lr),
        ].join("\n"),
      );
      return undefined;
    }
  }
  // What the server itself says: the parameter group's value is in effect only once the writer rebooted.
  const walLevel = (await target.query<{ wal_level: string }>("SHOW wal_level")).rows[0]?.wal_level ?? "?";
  if (walLevel !== "logical") {
    reporter.warn(
      `No rollback window: Aurora's wal_level is ${walLevel}, not logical, so no logical slot can be created there (rds.logical_replication = 1 is not in effect: reboot the writer after setting it, before the cutover). The cutover goes on without one; \`aurora-migrate rollback\` will not be possible.`,
    );
    return undefined;
  }
  try {
    return await prepare(ctx, aws, target, forwardTask.arn, forwardTask.id);
  } catch (err) {
    if (!(err instanceof OperationError || err instanceof BlockedError) || ctx.signal.aborted) throw err;
    reporter.warn(`The rollback window's reverse path could not be prepared: ${err.message}`);
    for (const d of err.details) reporter.detail(d);
    if (err.hint) reporter.info(err.hint);
    // Default (and --yes): stop, the safe choice: the user chose a window, and going on silently would lose it.
    const goOn = await ctx.prompter.confirm({ id: GO_ON_WITHOUT_WINDOW, message: "Cut over WITHOUT a rollback window (no way back without losing Aurora's writes)?", default: false });
    delete ctx.state.answers[GO_ON_WITHOUT_WINDOW];
    if (!goOn) {
      throw Object.assign(err, {
        message: `${err.message} Nothing was frozen.`,
        hint: [err.hint, "Fix it and run `aurora-migrate cutover` again (the reverse endpoints and task made so far are kept and reused)."].filter(Boolean).join("\n"),
      });
    }
    reporter.warn("Going on without a rollback window, as you answered.");
    return undefined;
  }
}

async function prepare(ctx: StepContext, aws: AwsServices, target: PgClient, forwardTaskArn: string, forwardTaskId: string): Promise<ReversePath> {
  const aurora = readOutput(ctx, "aurora-cluster")!;
  const instance = readOutput(ctx, "replication-instance")!;
  const dmsUser = typeof ctx.state.answers["dms.target.username"] === "string" ? ctx.state.answers["dms.target.username"] : aurora.masterUsername;
  const refused = await slotLoginProblems(target, dmsUser);
  if (refused.length) {
    throw new BlockedError(`The login(s) ${refused.join(", ")} may not create a logical replication slot on Aurora, which the rollback window needs.`, {
      hint: ["Run on Aurora as the master user, then run the cutover again:", ...refused.map((u) => `  GRANT rds_replication TO ${quoteIdent(u)};`)].join("\n"),
    });
  }
  const fwdSource = await forwardEndpoint(ctx, aws, RES.sourceEndpoint);
  const fwdTarget = await forwardEndpoint(ctx, aws, RES.targetEndpoint);
  const slotName = auroraSlotName(forwardTaskId);
  const task = await findTask(aws, { arn: forwardTaskArn });
  const base = forwardTaskId;

  const srcSpec = await reverseSpec(ctx, fwdTarget, "source", {
    PostgreSQLSettings: { ...secretSettings(fwdTarget), SlotName: slotName, PluginName: "test-decoding", MapBooleanAsBoolean: true },
  });
  const tgtSpec = await reverseSpec(ctx, fwdSource, "target", {
    PostgreSQLSettings: { ...secretSettings(fwdSource), AfterConnectScript: "SET session_replication_role = replica", MapBooleanAsBoolean: true },
  });
  const src = await ensureReverseEndpoint(ctx, aws, RES.reverseSourceEndpoint, `${base}-reverse-source`, srcSpec);
  const tgt = await ensureReverseEndpoint(ctx, aws, RES.reverseTargetEndpoint, `${base}-reverse-target`, tgtSpec);
  await testConnections(ctx, aws, instance, [
    { role: "source", arn: src, host: fwdTarget.ServerName ?? aurora.writerEndpoint, port: fwdTarget.Port ?? aurora.port, user: dmsUser, database: aurora.database },
    // In secret mode DMS shows no host or login: the step's record of the source has them.
    { role: "target", arn: tgt, ...oldServerAt(ctx, fwdSource) },
  ]);

  const schemas = readOutput(ctx, "dms-task")?.schemas ?? ["public"];
  const reverseTaskId = `${base}-reverse`;
  let rec = recorded(ctx, RES.reverseTask);
  if (rec?.arn && !(await findTask(aws, { arn: rec.arn }))) throw goneError("DMS task", rec.id, RES.reverseTask, ctx.options.statePath);
  if (!rec?.arn) {
    let made: ReplicationTask | undefined = await findTask(aws, { id: reverseTaskId });
    if (made) {
      ctx.reporter.info(`Found the reverse task ${reverseTaskId} from an earlier run; using it.`);
    } else {
      made = (
        await aws.dms.createReplicationTask({
          ReplicationTaskIdentifier: reverseTaskId,
          SourceEndpointArn: src,
          TargetEndpointArn: tgt,
          ReplicationInstanceArn: instance.instanceArn,
          MigrationType: "cdc",
          TableMappings: JSON.stringify(reverseTableMappings(task?.TableMappings, schemas)),
          ReplicationTaskSettings: JSON.stringify(reverseTaskSettings(task?.ReplicationTaskSettings, readOutput(ctx, "source-preflight")?.maxLobBytes)),
          Tags: [{ Key: "created-by", Value: "aurora-migrate" }],
        })
      ).ReplicationTask;
      ctx.reporter.success(`Created the reverse DMS task ${reverseTaskId} (cdc only, Aurora → the old server; not started: it starts after the switch).`);
    }
    rec = await recordResource(ctx, RES.reverseTask, { kind: "dms-task", id: reverseTaskId, arn: made?.ReplicationTaskArn, createdByUs: true, slotName });
  }
  const reverseTaskArn = rec.arn ?? "?";
  await pollUntil<ReplicationTask>(ctx, {
    what: `the reverse DMS task ${rec.id}`,
    until: `the reverse task ${rec.id} is ready`,
    read: async () => (await findTask(aws, { arn: reverseTaskArn })) ?? {},
    show: (t) => `reverse task ${rec.id}: ${t.Status ?? "not found"}`,
    done: (t) => t.Status !== undefined && t.Status !== "creating" && t.Status !== "modifying",
    failed: (t) => (t.Status === "failed" ? new OperationError(`The reverse DMS task ${rec.id} failed while being created: ${t.LastFailureMessage ?? "no message"}`) : undefined),
    firstDelayMs: 5_000,
    maxDelayMs: 20_000,
    timeoutMs: 20 * 60_000,
    successText: (t) => `Reverse task ${rec.id} is ${t.Status ?? "?"} (starts after the switch).`,
  });
  // DMS ignores key-changing UPDATEs in the reverse task too: the app's, on Aurora, are recorded for `rollback`.
  await installAuroraKeyCapture(ctx, target);
  const w = rollbackWindowOutput(ctx);
  w.preparedAt = ctx.clock.now().toISOString();
  await ctx.save();
  return { forwardTaskArn, reverseTaskArn, reverseTaskId: rec.id, slotName };
}

function oldServerAt(ctx: StepContext, e: DmsEndpoint): { host: string; port: number; user: string; database: string } {
  const conn = readOutput(ctx, "source-connection");
  let host = e.ServerName;
  let port = e.Port;
  if (!host) {
    try {
      const url = new URL(String(ctx.state.answers["source.url"] ?? ""));
      host = url.hostname;
      port = Number(url.port) || 5432;
    } catch {
      host = "the old server";
    }
  }
  return { host: host ?? "the old server", port: port ?? 5432, user: e.Username ?? conn?.user ?? "?", database: e.DatabaseName ?? conn?.database ?? "?" };
}

async function forwardEndpoint(ctx: StepContext, aws: AwsServices, key: string): Promise<DmsEndpoint> {
  const rec = recorded(ctx, key);
  if (!rec) throw new OperationError(`The state records no ${key}, which the reverse path copies its login from.`, { hint: "Run the wizard through step 5 first." });
  const found = await findEndpoint(aws, rec.id);
  if (!found) throw goneError("DMS endpoint", rec.id, key, ctx.options.statePath);
  return found;
}

function secretSettings(e: DmsEndpoint): Record<string, string> {
  const pg = e.PostgreSQLSettings ?? {};
  return pg.SecretsManagerSecretId ? { SecretsManagerSecretId: pg.SecretsManagerSecretId, ...(pg.SecretsManagerAccessRoleArn ? { SecretsManagerAccessRoleArn: pg.SecretsManagerAccessRoleArn } : {}) } : {};
}

type Spec = Omit<CreateEndpointInput, "EndpointIdentifier" | "Tags">;

/** A reverse endpoint's spec: the forward one's engine, database, SSL and CA, and login (its secret, or host/user with the password DMS never shows). */
async function reverseSpec(ctx: StepContext, forward: DmsEndpoint, type: "source" | "target", extra: Pick<Spec, "PostgreSQLSettings">): Promise<Spec> {
  const spec: Spec = {
    EndpointType: type,
    EngineName: forward.EngineName ?? (type === "source" ? "aurora-postgresql" : "postgres"),
    ...(forward.DatabaseName ? { DatabaseName: forward.DatabaseName } : {}),
    ...(forward.SslMode ? { SslMode: forward.SslMode } : {}),
    ...(forward.CertificateArn ? { CertificateArn: forward.CertificateArn } : {}),
    ...extra,
  };
  if (forward.PostgreSQLSettings?.SecretsManagerSecretId) return spec;
  // The password field: the forward endpoint's host and login; its password from this run's memory, the environment, or asked.
  const at = { user: forward.Username ?? "?", host: forward.ServerName ?? "?" };
  const password =
    type === "target"
      ? await sourcePasswordForDms(ctx, at)
      : (ctx.secrets.get("target.password") ?? ctx.secrets.get("dms.target.masterPassword") ?? (await targetLoginPassword(ctx, at)));
  return { ...spec, ...(forward.ServerName ? { ServerName: forward.ServerName } : {}), ...(forward.Port ? { Port: forward.Port } : {}), ...(forward.Username ? { Username: forward.Username } : {}), Password: password };
}

/** The recorded reverse endpoint brought to `spec`, else one of that identifier from a lost record, else a new one; recorded. Returns its ARN. */
async function ensureReverseEndpoint(ctx: StepContext, aws: AwsServices, key: string, id: string, spec: Spec): Promise<string> {
  const rec = recorded(ctx, key);
  const found = await findEndpoint(aws, rec?.id ?? id);
  if (rec && !found) throw goneError("DMS endpoint", rec.id, key, ctx.options.statePath);
  let arn = found?.EndpointArn;
  if (found?.EndpointArn) {
    const { EndpointType: _type, ...desired } = spec;
    const change = endpointChanges(found, desired, { resendPassword: false });
    if (change) await aws.dms.modifyEndpoint(change);
  } else {
    try {
      arn = (await aws.dms.createEndpoint({ ...spec, EndpointIdentifier: id, Tags: [{ Key: "created-by", Value: "aurora-migrate" }] })).Endpoint?.EndpointArn;
    } catch (err) {
      if (isAwsError(err, "AccessDeniedFault")) throw new OperationError(`DMS refused the reverse ${spec.EndpointType} endpoint ${id}: ${errorMessage(err)}`, { hint: "Check the forward endpoint's secret role (step 5), then run the cutover again." });
      throw err;
    }
    ctx.reporter.success(`Created the reverse DMS ${spec.EndpointType} endpoint ${id} (${spec.EngineName}${spec.EndpointType === "source" ? ", Aurora as the source" : ", the old server as the target"}).`);
  }
  if (!arn) throw new OperationError(`DMS gave no ARN for the endpoint ${id}.`, { hint: "Check it in the DMS console, then run the cutover again." });
  if (!rec || rec.arn !== arn) await recordResource(ctx, key, { kind: "dms-endpoint", id, arn, createdByUs: true, endpointType: spec.EndpointType });
  return arn;
}
