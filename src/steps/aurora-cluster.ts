import type { AwsServices, DbCluster, DbInstance } from "../adapters/aws/ports.js";
import { describeLocation, formatPgUrl } from "../adapters/postgres/url.js";
import { RESOURCE_KIND } from "../migration/cleanup/kinds.js";
import { OperationError, UsageError } from "../core/errors.js";
import { defaultBaseName, lowerIdentifier, validateAwsIdentifier, validateCidr, validateMasterPassword, validateMasterUsername } from "../plan/aws-identifiers.js";
import type { Step, StepContext } from "../migration/context.js";
import { CLIENT_CIDR, TARGET_URL, askTargetAccess, checkReachable, targetLocation } from "../migration/aws/target-access.js";
import { chooseDbSubnetGroup, chooseEngineVersion, chooseExistingCluster } from "../migration/aws/aurora-choices.js";
import { awsFor, sourceFacts } from "../migration/aws/context.js";
import { findCluster, findDbInstance } from "../migration/aws/lookups.js";
import { ensureIngress, ensureSecurityGroup } from "../migration/aws/network.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError, recordResource, recorded } from "../migration/aws/resources.js";
import { checkLogicalReplication, ensureLogicalReplicationGroup, rollbackWindowChosen } from "../migration/aws/logical-replication.js";
import type { AuroraClusterOutput } from "../migration/outputs/aws.js";
import { writeOutput } from "../migration/outputs/read.js";

const TAGS = [{ Key: "created-by", Value: "aurora-migrate" }];
const BAD_STATES = ["failed", "deleting", "deleted", "incompatible-parameters", "incompatible-network", "incompatible-restore", "inaccessible-encryption-credentials", "storage-full"];

/** Step 3: the Aurora PostgreSQL cluster that receives the data, created or chosen. */
export const auroraClusterStep: Step = {
  id: "aurora-cluster",
  title: "Aurora cluster",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const source = sourceFacts(ctx);
    const mode = recorded(ctx, RES.cluster)
      ? recorded(ctx, RES.cluster)?.createdByUs
        ? "create"
        : "existing"
      : await ctx.prompter.select({
          id: "aurora.mode",
          message: "Aurora cluster: create a new one, or use one that exists?",
          choices: [
            { value: "create", name: "Create a new cluster (encrypted, private, master password kept by RDS)" },
            { value: "existing", name: "Use an existing Aurora PostgreSQL cluster" },
          ],
          default: "create",
        });
    const access = await askTargetAccess(ctx);
    const made = mode === "existing" ? await useExisting(ctx, aws, source.major, source.database) : await createCluster(ctx, aws, source.major, source.database);
    const target = targetLocation(access, { host: made.writerEndpoint, port: made.port, database: made.database, user: made.masterUsername });
    const via = access.override ? ("target.url" as const) : ("endpoint" as const);
    const out: AuroraClusterOutput = { ...made, target, targetVia: via, ...(access.caBundle ? { caBundle: access.caBundle } : {}) };
    writeOutput(ctx, "aurora-cluster", out);
    const rec = recorded(ctx, RES.cluster);
    if (rec) await recordResource(ctx, RES.cluster, { ...rec, ...(out.clusterArn ? { arn: out.clusterArn } : {}) });
    ctx.reporter.info(`The tool connects to Aurora at ${formatPgUrl(target)}${via === "target.url" ? ` (${TARGET_URL}; DMS uses the writer endpoint ${out.writerEndpoint}:${out.port})` : ""}`);
    if (out.masterSecretArn) ctx.reporter.info(`The master password is kept by RDS in Secrets Manager: ${out.masterSecretArn}`);
    await checkReachable(ctx, {
      target,
      via,
      vpcId: out.vpcId,
      securityGroupId: out.securityGroupId,
      port: out.port,
      ...(rec?.createdByUs ? { createdWriterId: `${out.clusterId}-writer` } : {}),
      publiclyAccessible: ctx.state.answers["aurora.public"] === true,
      ...(out.masterSecretArn ? { masterSecretArn: out.masterSecretArn } : {}),
    });
    return { summary: `${out.clusterId} (PostgreSQL ${out.engineVersion}) at ${out.writerEndpoint}:${out.port}; the tool connects to ${describeLocation(target)}` };
  },
  async verify(ctx) {
    const rec = recorded(ctx, RES.cluster);
    if (!rec) return;
    if (!(await findCluster(await awsFor(ctx), rec.id))) throw goneError("Aurora cluster", rec.id, RES.cluster, ctx.options.statePath);
  },
};

async function useExisting(ctx: StepContext, aws: AwsServices, sourceMajor: number, database: string): Promise<AuroraClusterOutput> {
  const rec = recorded(ctx, RES.cluster);
  const cluster = rec ? await findCluster(aws, rec.id) : await chooseExistingCluster(ctx, aws, sourceMajor);
  if (!cluster?.DBClusterIdentifier) throw goneError("Aurora cluster", rec?.id ?? "?", RES.cluster, ctx.options.statePath);
  const id = cluster.DBClusterIdentifier;
  const groupName = cluster.DBSubnetGroup;
  const subnetGroup = groupName ? (await aws.rds.describeDBSubnetGroups({ DBSubnetGroupName: groupName })).DBSubnetGroups?.[0] : undefined;
  const securityGroupId = cluster.VpcSecurityGroups?.[0]?.VpcSecurityGroupId;
  if (!securityGroupId || !subnetGroup?.VpcId) {
    throw new OperationError(`The cluster ${id} has no VPC security group or subnet group the wizard can read.`, { hint: "Pick a cluster in a VPC (aurora.clusterId), or let the wizard create one." });
  }
  if (!rec) await recordResource(ctx, RES.cluster, { kind: RESOURCE_KIND.cluster, id, ...(cluster.DBClusterArn ? { arn: cluster.DBClusterArn } : {}), createdByUs: false });
  await recordResource(ctx, RES.auroraSecurityGroup, { kind: "security-group", id: securityGroupId, createdByUs: false, vpcId: subnetGroup.VpcId });
  const ready = await waitForCluster(ctx, aws, id, (cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? "").filter(Boolean));
  if (rollbackWindowChosen(ctx)) await checkLogicalReplication(ctx, aws, ready);
  ctx.reporter.warn(`The database "${database}" must exist on ${id} (the wizard creates it only on clusters it creates).`);
  return outputOf(ready, {
    vpcId: subnetGroup.VpcId,
    subnetIds: (subnetGroup.Subnets ?? []).map((s) => s.SubnetIdentifier ?? "").filter(Boolean),
    securityGroupId,
    database,
  });
}

async function createCluster(ctx: StepContext, aws: AwsServices, sourceMajor: number, database: string): Promise<AuroraClusterOutput> {
  const clusterId = await ctx.prompter.text({
    id: "aurora.clusterId",
    message: "Identifier of the new Aurora cluster",
    help: "1–63 letters, digits or hyphens, starting with a letter; stored lowercase",
    default: defaultBaseName(database),
    validate: (v) => validateAwsIdentifier(v.trim()),
    normalize: lowerIdentifier,
  });
  const engineVersion = await chooseEngineVersion(ctx, aws, sourceMajor);
  const subnetGroup = await chooseDbSubnetGroup(ctx, aws);
  const vpcId = subnetGroup.VpcId ?? "?";
  const masterUsername = await ctx.prompter.text({
    id: "aurora.masterUsername",
    message: "Master user name of the new cluster",
    default: "postgres",
    validate: validateMasterUsername,
  });
  const passwordMode = await ctx.prompter.select({
    id: "aurora.passwordMode",
    message: "Master password",
    choices: [
      { value: "managed", name: "Let RDS generate and keep it in Secrets Manager (recommended)" },
      { value: "prompt", name: "Type one now (sent to AWS only, never saved by the wizard)" },
    ],
    default: "managed",
  });
  let password: string | undefined;
  if (passwordMode === "prompt") {
    password = ctx.secrets.get("target.password") ?? (await ctx.prompter.secret({ id: "target.password", message: "Master password for the new cluster" }));
    const problem = validateMasterPassword(password);
    if (problem) throw new UsageError(`The master password ${problem}.`, { hint: "Run again and type another one." });
    ctx.secrets.set("target.password", password);
  }
  const instanceClass = await ctx.prompter.text({
    id: "aurora.instanceClass",
    message: "Instance class of the writer (and reader)",
    help: "e.g. db.r6g.large, db.r7g.xlarge, or db.serverless",
    default: "db.r6g.large",
    validate: (v) => (/^db\.[a-z0-9-]+(\.[a-z0-9]+)?$/.test(v) ? undefined : "expected an RDS class such as db.r6g.large"),
  });
  const withReader = await ctx.prompter.confirm({ id: "aurora.reader", message: "Add a reader instance in another zone (Multi-AZ failover)?", default: false });
  const publiclyAccessible = await ctx.prompter.confirm({
    id: "aurora.public",
    message: "Give the Aurora instances a public address?",
    help: "No (the default) keeps them inside the VPC; this tool then needs a VPN, a bastion or to run in the VPC to load the schema",
    default: false,
  });
  const clientCidr = (
    await ctx.prompter.text({
      id: CLIENT_CIDR,
      message: "Address range this tool connects to Aurora from (leave empty to add no such rule)",
      help: "e.g. 203.0.113.7/32 for your machine; never 0.0.0.0/0",
      default: "",
      validate: (v) => (v.trim() === "" ? undefined : validateCidr(v)),
    })
  ).trim();
  // Persist every answer before the first create: after a crash, resume reuses the same names.
  await ctx.save();

  const securityGroupId = await ensureSecurityGroup(ctx, aws, {
    key: RES.auroraSecurityGroup,
    vpcId,
    name: `${clusterId}-aurora`,
    description: `aurora-migrate: Aurora cluster ${clusterId}; opened only to the DMS replication instance's group`,
    what: "security group of the Aurora cluster",
  });
  if (clientCidr) {
    await ensureIngress(ctx, aws, { key: RES.clientIngress, groupId: securityGroupId, port: 5432, from: { cidr: clientCidr }, description: "aurora-migrate: this tool (schema load, cutover)", duplicateIsOurs: false });
  }

  let cluster = await existingOrGone(ctx, () => findCluster(aws, clusterId), RES.cluster, "Aurora cluster", clusterId);
  // The rollback window: Aurora made with logical replication on, so it can be a DMS source (no reboot needed at creation).
  const parameterGroup = rollbackWindowChosen(ctx) && !cluster ? await ensureLogicalReplicationGroup(ctx, aws, { clusterId, engineVersion }) : undefined;
  const adopted = cluster !== undefined;
  if (!cluster) {
    const created = await aws.rds.createDBCluster({
      DBClusterIdentifier: clusterId,
      Engine: "aurora-postgresql",
      EngineVersion: engineVersion,
      MasterUsername: masterUsername,
      ...(password === undefined ? { ManageMasterUserPassword: true } : { MasterUserPassword: password }),
      StorageEncrypted: true,
      DBSubnetGroupName: subnetGroup.DBSubnetGroupName,
      VpcSecurityGroupIds: [securityGroupId],
      Port: 5432,
      ...(parameterGroup ? { DBClusterParameterGroupName: parameterGroup } : {}),
      ...(/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(database) ? { DatabaseName: database } : {}),
      ...(instanceClass === "db.serverless" ? { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } } : {}),
      CopyTagsToSnapshot: true,
      Tags: TAGS,
    });
    cluster = created.DBCluster ?? { DBClusterIdentifier: clusterId };
    ctx.reporter.success(`Asked RDS to create the cluster ${clusterId} (PostgreSQL ${engineVersion}, encrypted).`);
  }
  await recordResource(ctx, RES.cluster, { kind: RESOURCE_KIND.cluster, id: clusterId, ...(cluster.DBClusterArn ? { arn: cluster.DBClusterArn } : {}), createdByUs: true });

  const members = [`${clusterId}-writer`, ...(withReader ? [`${clusterId}-reader`] : [])];
  for (const [i, instanceId] of members.entries()) {
    const key = i === 0 ? RES.writer : RES.reader;
    let instance: DbInstance | undefined = await existingOrGone(ctx, () => findDbInstance(aws, instanceId), key, "Aurora instance", instanceId);
    if (!instance) {
      instance = (
        await aws.rds.createDBInstance({
          DBInstanceIdentifier: instanceId,
          DBClusterIdentifier: clusterId,
          Engine: "aurora-postgresql",
          DBInstanceClass: instanceClass,
          PubliclyAccessible: publiclyAccessible,
          PromotionTier: i,
          Tags: TAGS,
        })
      ).DBInstance;
      ctx.reporter.success(`Asked RDS to create the ${i === 0 ? "writer" : "reader"} instance ${instanceId} (${instanceClass}).`);
    }
    await recordResource(ctx, key, { kind: "rds-instance", id: instanceId, ...(instance?.DBInstanceArn ? { arn: instance.DBInstanceArn } : {}), createdByUs: true });
  }
  const ready = await waitForCluster(ctx, aws, clusterId, members);
  // A cluster from an earlier run (found by name) may predate the group: its setting is read, as for the user's own.
  if (adopted && rollbackWindowChosen(ctx)) await checkLogicalReplication(ctx, aws, ready);
  return outputOf(ready, {
    masterUsername,
    vpcId,
    subnetIds: (subnetGroup.Subnets ?? []).map((s) => s.SubnetIdentifier ?? "").filter(Boolean),
    securityGroupId,
    database,
  });
}

/**
 * The resource if it exists; an error if the state recorded it and it is gone; undefined
 * when it was never created (create it). A resource found by name but not recorded was
 * created by a run whose state write was lost: it is adopted, not duplicated.
 */
async function existingOrGone<T>(ctx: StepContext, find: () => Promise<T | undefined>, key: string, what: string, id: string): Promise<T | undefined> {
  const found = await find();
  const rec = recorded(ctx, key);
  if (!found && rec && rec.id === id) throw goneError(what, id, key, ctx.options.statePath);
  if (found && !rec) ctx.reporter.info(`Found the ${what} ${id} from an earlier run that stopped before recording it; using it.`);
  return found;
}

async function waitForCluster(ctx: StepContext, aws: AwsServices, clusterId: string, instanceIds: string[]): Promise<DbCluster> {
  type Reading = { cluster: DbCluster | undefined; instances: (DbInstance | undefined)[] };
  const reading = await pollUntil<Reading>(ctx, {
    what: `the Aurora cluster ${clusterId}`,
    until: `the cluster ${clusterId} and ${instanceIds.join(", ")} are available`,
    read: async () => ({ cluster: await findCluster(aws, clusterId), instances: await Promise.all(instanceIds.map((i) => findDbInstance(aws, i))) }),
    show: (r) =>
      [`cluster ${clusterId}: ${r.cluster?.Status ?? "not found"}`, ...instanceIds.map((id, i) => `${id}: ${r.instances[i]?.DBInstanceStatus ?? "not found"}`)].join(" · "),
    done: (r) => r.cluster?.Status === "available" && r.instances.every((i) => i?.DBInstanceStatus === "available"),
    failed: (r) => {
      const bad = [r.cluster?.Status, ...r.instances.map((i) => i?.DBInstanceStatus)].find((s) => s && BAD_STATES.includes(s));
      if (!r.cluster) return goneError("Aurora cluster", clusterId, RES.cluster, ctx.options.statePath);
      return bad ? new OperationError(`The Aurora cluster ${clusterId} went to "${bad}".`, { hint: "Open the RDS console's Events for the cluster to see why, fix it, then resume." }) : undefined;
    },
    firstDelayMs: 15_000,
    maxDelayMs: 60_000,
    timeoutMs: 90 * 60_000,
    successText: () => `Aurora cluster ${clusterId} is available (${instanceIds.join(", ")}).`,
  });
  return reading.cluster as DbCluster;
}

function outputOf(cluster: DbCluster, extra: { vpcId: string; subnetIds: string[]; securityGroupId: string; database: string; masterUsername?: string }): AuroraClusterOutput {
  const writerEndpoint = cluster.Endpoint;
  if (!writerEndpoint) throw new OperationError(`RDS reports no endpoint for the cluster ${cluster.DBClusterIdentifier}.`, { hint: "Wait until it is available and resume." });
  return {
    clusterId: cluster.DBClusterIdentifier ?? "",
    writerEndpoint,
    port: cluster.Port ?? 5432,
    engineVersion: cluster.EngineVersion ?? "?",
    masterUsername: cluster.MasterUsername ?? "postgres",
    ...(cluster.MasterUserSecret?.SecretArn ? { masterSecretArn: cluster.MasterUserSecret.SecretArn } : {}),
    ...(cluster.DBClusterArn ? { clusterArn: cluster.DBClusterArn } : {}),
    ...extra,
  };
}

