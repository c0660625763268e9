/**
 * The rollback window's Aurora side (issue 14, item 1): Aurora must be able to be a DMS source,
 * which takes `rds.logical_replication = 1` in the cluster's parameter group. It is a static
 * parameter (it sets wal_level to logical and sizes the replication slots and WAL senders): a
 * running cluster picks it up only after its writer reboots. A cluster the tool creates gets it
 * from its own cluster parameter group from the start (no reboot); for any other cluster the
 * tool reads the setting and says exactly what to change.
 */
import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices, DbCluster, DbClusterParameterGroup } from "../../adapters/aws/ports.js";
import { OperationError } from "../../core/errors.js";
import { shellQuote } from "../../core/shell-quote.js";
import type { StepContext } from "../context.js";
import { RESOURCE_KIND } from "../cleanup/kinds.js";
import { allPages } from "./aurora-choices.js";
import { RES, recordResource, recorded } from "./resources.js";

/** The question (asked at step 2, so the preflight can check the old server's side too). */
export const ROLLBACK_WINDOW = "rollback.window";
export const LOGICAL_REPLICATION = "rds.logical_replication";

/** Whether step 2's answer chose the rollback window (a state from before the question: not chosen). */
export function rollbackWindowChosen(ctx: StepContext): boolean {
  return ctx.state.answers[ROLLBACK_WINDOW] === true;
}

/** `16.4` → `aurora-postgresql16`: the parameter group family of an Aurora PostgreSQL version. */
export function parameterGroupFamily(engineVersion: string): string {
  return `aurora-postgresql${engineVersion.split(".")[0] ?? engineVersion}`;
}

/** The name of the cluster parameter group the tool makes for a cluster. */
export function parameterGroupName(clusterId: string): string {
  return `${clusterId}-logical-replication`;
}

const GONE = ["DBParameterGroupNotFoundFault", "DBParameterGroupNotFound", "DBClusterParameterGroupNotFoundFault"];

export async function findParameterGroup(aws: AwsServices, name: string): Promise<DbClusterParameterGroup | undefined> {
  try {
    return (await aws.rds.describeDBClusterParameterGroups({ DBClusterParameterGroupName: name })).DBClusterParameterGroups?.[0];
  } catch (err) {
    if (isAwsError(err, ...GONE)) return undefined;
    throw err;
  }
}

/** A parameter's value in a cluster parameter group (every page read; undefined when it has no value). */
export async function clusterParameter(aws: AwsServices, group: string, name: string): Promise<string | undefined> {
  const params = await allPages(async (marker) => {
    const page = await aws.rds.describeDBClusterParameters({ DBClusterParameterGroupName: group, MaxRecords: 100, ...(marker ? { Marker: marker } : {}) });
    return { items: page.Parameters, marker: page.Marker };
  });
  return params.find((p) => p.ParameterName === name)?.ParameterValue;
}

const SET_IT = [{ ParameterName: LOGICAL_REPLICATION, ParameterValue: "1", ApplyMethod: "pending-reboot" as const }];

/**
 * The tool's cluster parameter group for a new cluster, with rds.logical_replication = 1: created
 * (and recorded at once, so cleanup removes it), or, when a group of that name exists (a run that
 * stopped before recording it, or a rerun), reused once its family is right and the parameter set.
 * Returns its name, for CreateDBCluster.
 */
export async function ensureLogicalReplicationGroup(ctx: StepContext, aws: AwsServices, o: { clusterId: string; engineVersion: string }): Promise<string> {
  const name = parameterGroupName(o.clusterId);
  const family = parameterGroupFamily(o.engineVersion);
  const found = await findParameterGroup(aws, name);
  if (found) {
    if (found.DBParameterGroupFamily && found.DBParameterGroupFamily !== family) {
      throw new OperationError(`The cluster parameter group ${name} exists for ${found.DBParameterGroupFamily}, not ${family} (PostgreSQL ${o.engineVersion}).`, {
        hint: `Delete it (aws rds delete-db-cluster-parameter-group --db-cluster-parameter-group-name ${shellQuote(name)}) or choose another aurora.clusterId, then resume.`,
      });
    }
    if (!recorded(ctx, RES.clusterParameterGroup)) ctx.reporter.info(`Found the cluster parameter group ${name} from an earlier run; using it.`);
  } else {
    await aws.rds.createDBClusterParameterGroup({
      DBClusterParameterGroupName: name,
      DBParameterGroupFamily: family,
      Description: `aurora-migrate: logical replication on ${o.clusterId}, so Aurora can be a DMS source (rollback window)`,
      Tags: [{ Key: "created-by", Value: "aurora-migrate" }],
    });
  }
  // Recorded before the parameter is set: a crash in between leaves a group cleanup knows about.
  if (!recorded(ctx, RES.clusterParameterGroup)) await recordResource(ctx, RES.clusterParameterGroup, { kind: RESOURCE_KIND.clusterParameterGroup, id: name, createdByUs: true, family, clusterId: o.clusterId });
  if (!found || (await clusterParameter(aws, name, LOGICAL_REPLICATION)) !== "1") await aws.rds.modifyDBClusterParameterGroup({ DBClusterParameterGroupName: name, Parameters: SET_IT });
  if (!found) {
    ctx.reporter.success(`Created the cluster parameter group ${name} (${family}) with ${LOGICAL_REPLICATION} = 1, so Aurora can be a DMS source for the rollback window.`);
  }
  return name;
}

/** What a cluster's logical replication is: on; set but waiting for a reboot; off (with the group that holds it). */
export type LogicalReplicationState = { state: "on" } | { state: "pending-reboot"; group: string } | { state: "off"; group: string | undefined };

export async function logicalReplicationOf(aws: AwsServices, cluster: DbCluster): Promise<LogicalReplicationState> {
  const group = cluster.DBClusterParameterGroup;
  const value = group ? await clusterParameter(aws, group, LOGICAL_REPLICATION) : undefined;
  if (value !== "1") return { state: "off", group };
  const pending = (cluster.DBClusterMembers ?? []).some((m) => m.DBClusterParameterGroupStatus === "pending-reboot");
  return pending ? { state: "pending-reboot", group: group ?? "?" } : { state: "on" };
}

/** The exact steps that turn logical replication on for a cluster whose group has it off. */
export function logicalReplicationAdvice(cluster: DbCluster, s: LogicalReplicationState): string[] {
  const id = cluster.DBClusterIdentifier ?? "?";
  const writer = (cluster.DBClusterMembers ?? []).find((m) => m.IsClusterWriter)?.DBInstanceIdentifier ?? `<the writer instance of ${id}>`;
  const reboot = `aws rds reboot-db-instance --db-instance-identifier ${shellQuote(writer)}`;
  if (s.state === "pending-reboot") return [`${LOGICAL_REPLICATION} is 1 in ${s.group}, but waits for a reboot of the writer:`, `  ${reboot}`];
  const setIt = (group: string): string =>
    `aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name ${shellQuote(group)} --parameters "ParameterName=${LOGICAL_REPLICATION},ParameterValue=1,ApplyMethod=pending-reboot"`;
  const family = parameterGroupFamily(cluster.EngineVersion ?? "?");
  const custom = s.state === "off" && s.group && !s.group.startsWith("default.");
  if (custom && s.group) return [`Set ${LOGICAL_REPLICATION} = 1 in its cluster parameter group ${s.group} (a static parameter), then reboot the writer:`, `  ${setIt(s.group)}`, `  ${reboot}`];
  const mine = parameterGroupName(id);
  return [
    `It uses the default cluster parameter group${s.state === "off" && s.group ? ` ${s.group}` : ""}, which cannot be changed: create one with ${LOGICAL_REPLICATION} = 1, attach it, then reboot the writer:`,
    `  aws rds create-db-cluster-parameter-group --db-cluster-parameter-group-name ${shellQuote(mine)} --db-parameter-group-family ${family} --description "logical replication for the rollback window"`,
    `  ${setIt(mine)}`,
    `  aws rds modify-db-cluster --db-cluster-identifier ${shellQuote(id)} --db-cluster-parameter-group-name ${shellQuote(mine)} --apply-immediately`,
    `  ${reboot}`,
  ];
}

/**
 * For a cluster the tool did not set up (the user's, or one adopted from an earlier run): reads
 * its setting and, when it is not on, warns with the exact change. Not a blocker: the forward
 * migration does not need it; only the rollback window does.
 */
export async function checkLogicalReplication(ctx: StepContext, aws: AwsServices, cluster: DbCluster): Promise<LogicalReplicationState> {
  const s = await logicalReplicationOf(aws, cluster);
  if (s.state === "on") {
    ctx.reporter.info(`${cluster.DBClusterIdentifier ?? "The cluster"} has ${LOGICAL_REPLICATION} = 1: Aurora can be a DMS source for the rollback window.`);
    return s;
  }
  ctx.reporter.warn(
    [
      `The rollback window needs ${LOGICAL_REPLICATION} = 1 on ${cluster.DBClusterIdentifier ?? "the cluster"} (it is ${s.state === "pending-reboot" ? "set, not yet applied" : "off"}). The migration goes on without it, but the rollback window will not be available until it is on.`,
      ...logicalReplicationAdvice(cluster, s),
      "A reboot of the writer restarts it (a short outage): do it before the cutover, not during.",
    ].join("\n"),
  );
  return s;
}
