import { DMS_VPC_ROLE_FIX, isAwsError } from "../adapters/aws/errors.js";
import type { AwsServices, ReplicationInstance } from "../adapters/aws/ports.js";
import { OperationError } from "../core/errors.js";
import { lowerIdentifier, validateAwsIdentifier } from "../plan/aws-identifiers.js";
import { adviceText } from "../plan/instance-advice.js";
import { fallbackInstanceAdvice } from "../plan/instance-class-fallback.js";
import { hbaAuthMethod, hbaMethodNote } from "../plan/preflight/pg-hba.js";
import { sourceAccessLines } from "../plan/source-access.js";
import type { Step, StepContext } from "../migration/context.js";
import type { Finding } from "../state/schema.js";
import { allPages } from "../migration/aws/aurora-choices.js";
import { awsFor, sourceFacts } from "../migration/aws/context.js";
import { findReplicationInstance, findSubnetGroup } from "../migration/aws/lookups.js";
import { ensureIngress, ensureSecurityGroup } from "../migration/aws/network.js";
import { pollUntil } from "../migration/aws/poll.js";
import { RES, goneError, recordResource, recorded } from "../migration/aws/resources.js";
import type { AuroraClusterOutput, ReplicationInstanceOutput } from "../migration/outputs/aws.js";
import { readOutput, requireOutput, writeOutput } from "../migration/outputs/read.js";

const TAGS = [{ Key: "created-by", Value: "aurora-migrate" }];
const BAD_STATES = ["failed", "deleting", "deleted", "incompatible-credentials", "incompatible-network", "inaccessible-encryption-credentials", "storage-full"];

/** Step 4: the DMS replication instance, private by default, the only thing Aurora admits. */
export const replicationInstanceStep: Step = {
  id: "replication-instance",
  title: "DMS replication instance",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const source = sourceFacts(ctx);
    const aurora = requireOutput(ctx, "aurora-cluster", "The Aurora cluster");
    const instance = await ensureInstance(ctx, aws, aurora);
    const instanceId = (instance.ReplicationInstanceIdentifier ?? "").toLowerCase();
    const securityGroupId = instance.VpcSecurityGroups?.[0]?.VpcSecurityGroupId ?? field(ctx, RES.dmsSecurityGroup) ?? "?";
    // Aurora admits the instance's security group, and nothing else: a rule that names a group, not an address range.
    await ensureIngress(ctx, aws, {
      key: RES.dmsIngress,
      groupId: aurora.securityGroupId,
      port: aurora.port,
      from: { groupId: securityGroupId },
      description: `aurora-migrate: DMS replication instance ${instanceId}`,
      duplicateIsOurs: recorded(ctx, RES.dmsSecurityGroup)?.createdByUs === true,
    });
    const publiclyAccessible = instance.PubliclyAccessible === true;
    const ips = (publiclyAccessible ? instance.ReplicationInstancePublicIpAddresses : instance.ReplicationInstancePrivateIpAddresses) ?? [];
    // An available instance always has its addresses (a dry run's planned one too); "?" only if DMS left them out.
    const sourceFacingIps = ips.length ? ips : ["?"];
    const output: ReplicationInstanceOutput = {
      instanceId,
      instanceArn: instance.ReplicationInstanceArn ?? "?",
      instanceClass: instance.ReplicationInstanceClass ?? "?",
      publiclyAccessible,
      sourceFacingIps,
      securityGroupId,
    };
    writeOutput(ctx, "replication-instance", output);
    // The instance's address is known only now: the exact lines for it, in the method the source's passwords use.
    const passwordEncryption = readOutput(ctx, "source-preflight")?.passwordEncryption;
    const authMethod = hbaAuthMethod(passwordEncryption);
    const access = sourceAccessLines({ instanceIps: sourceFacingIps, sourceHost: source.location.host, sourcePort: source.location.port, database: source.database, user: source.location.user, authMethod });
    ctx.reporter.info(`The source must now let the replication instance in (${sourceFacingIps.join(", ")}${publiclyAccessible ? ", public" : ", private: the source must be reachable from the VPC"}):`);
    for (const l of access.firewall) ctx.reporter.info(`  firewall / security group: ${l}`);
    ctx.reporter.info("  pg_hba.conf (then SELECT pg_reload_conf();):");
    for (const l of access.pgHba) ctx.reporter.info(`    ${l}`);
    ctx.reporter.info(`  (${hbaMethodNote(passwordEncryption)} Step 5's connection test checks that DMS gets in.)`);
    const finding: Finding = {
      check: "source.dms-access",
      severity: "info",
      title: "Open the source to the replication instance only",
      found: `DMS connects from ${sourceFacingIps.join(", ")}`,
      fix: [...access.firewall, ...access.pgHba].join("\n"),
    };
    return { summary: `${instanceId} (${output.instanceClass}, ${publiclyAccessible ? "public" : "private"})`, findings: [finding] };
  },
  async verify(ctx) {
    const rec = recorded(ctx, RES.instance);
    if (!rec) return;
    if (!(await findReplicationInstance(await awsFor(ctx), rec.id))) throw goneError("DMS replication instance", rec.id, RES.instance, ctx.options.statePath);
  },
};

function field(ctx: StepContext, key: string): string | undefined {
  return recorded(ctx, key)?.id;
}

async function ensureInstance(ctx: StepContext, aws: AwsServices, aurora: AuroraClusterOutput): Promise<ReplicationInstance> {
  const rec = recorded(ctx, RES.instance);
  if (rec) {
    const found = await findReplicationInstance(aws, rec.id);
    if (!found) throw goneError("DMS replication instance", rec.id, RES.instance, ctx.options.statePath);
    return waitForInstance(ctx, aws, rec.id);
  }
  const mode = await ctx.prompter.select({
    id: "dms.instance.mode",
    message: "DMS replication instance: create one, or reuse one that exists?",
    choices: [
      { value: "create", name: "Create a new instance (private, in the Aurora VPC)" },
      { value: "existing", name: "Reuse an existing replication instance" },
    ],
    default: "create",
  });
  if (mode === "existing") return useExisting(ctx, aws);

  const preflight = readOutput(ctx, "source-preflight");
  const fallback = fallbackInstanceAdvice(preflight?.databaseSizeBytes);
  const advice = preflight ? { instanceClass: preflight.suggestedInstanceClass, reason: preflight.instanceClassReason } : fallback;
  ctx.reporter.info(`Advice: ${adviceText(advice)}.`);
  const instanceId = await ctx.prompter.text({
    id: "dms.instance.id",
    message: "Identifier of the new replication instance",
    default: `${aurora.clusterId}-dms`.slice(0, 63).replace(/-+$/, ""),
    validate: (v) => validateAwsIdentifier(v.trim()),
    normalize: lowerIdentifier,
  });
  const instanceClass = await ctx.prompter.text({
    id: "dms.instance.class",
    message: "Replication instance class",
    help: `the advice above: ${advice.instanceClass}`,
    default: advice.instanceClass,
    validate: (v) => (/^dms\.[a-z0-9]+\.[a-z0-9]+$/.test(v) ? undefined : "expected a DMS class such as dms.c5.large"),
  });
  const storageGb = await ctx.prompter.number({ id: "dms.instance.storageGb", message: "Storage of the replication instance (GB, for logs and cached changes)", default: fallback.storageGb, min: 5, max: 6144, integer: true });
  const multiAz = await ctx.prompter.confirm({ id: "dms.instance.multiAz", message: "Multi-AZ replication instance (a standby in another zone)?", default: false });
  const publiclyAccessible = await ctx.prompter.confirm({
    id: "dms.instance.public",
    message: "Give the replication instance a public address?",
    help: "Only if the source is reachable solely over the internet; otherwise keep it private (DMS's own default is public)",
    default: false,
  });
  const subnetGroupId = await ensureSubnetGroup(ctx, aws, aurora, instanceId);
  const securityGroupId = await ensureSecurityGroup(ctx, aws, {
    key: RES.dmsSecurityGroup,
    vpcId: aurora.vpcId,
    name: `${instanceId}-sg`,
    description: `aurora-migrate: DMS replication instance ${instanceId}; no inbound rule needed`,
    what: "security group of the replication instance",
  });
  let instance = await findReplicationInstance(aws, instanceId);
  if (instance) {
    ctx.reporter.info(`Found the replication instance ${instanceId} from an earlier run that stopped before recording it; using it.`);
  } else {
    instance = (
      await aws.dms.createReplicationInstance({
        ReplicationInstanceIdentifier: instanceId,
        ReplicationInstanceClass: instanceClass,
        AllocatedStorage: storageGb,
        MultiAZ: multiAz,
        // DMS defaults to a public instance; ours is private unless the user asked.
        PubliclyAccessible: publiclyAccessible,
        VpcSecurityGroupIds: [securityGroupId],
        ReplicationSubnetGroupIdentifier: subnetGroupId,
        Tags: TAGS,
      })
    ).ReplicationInstance ?? { ReplicationInstanceIdentifier: instanceId, PubliclyAccessible: publiclyAccessible, ReplicationInstanceClass: instanceClass };
    ctx.reporter.success(`Asked DMS to create the replication instance ${instanceId} (${instanceClass}, ${publiclyAccessible ? "public" : "private"}).`);
  }
  await recordResource(ctx, RES.instance, { kind: "dms-replication-instance", id: instanceId, ...(instance.ReplicationInstanceArn ? { arn: instance.ReplicationInstanceArn } : {}), createdByUs: true });
  return waitForInstance(ctx, aws, instanceId);
}

async function useExisting(ctx: StepContext, aws: AwsServices): Promise<ReplicationInstance> {
  const all = await allPages(async (Marker) => {
    const o = await aws.dms.describeReplicationInstances({ ...(Marker ? { Marker } : {}) });
    return { items: o.ReplicationInstances, marker: o.Marker };
  });
  if (all.length === 0) throw new OperationError("There is no DMS replication instance in this account and region to reuse.", { hint: 'Answer "create" (question dms.instance.mode), or check --region / --profile.' });
  const id = await ctx.prompter.select({
    id: "dms.instance.id",
    message: "Which replication instance?",
    choices: all.map((i) => ({ value: i.ReplicationInstanceIdentifier ?? "", name: `${i.ReplicationInstanceIdentifier} (${i.ReplicationInstanceClass}, ${i.ReplicationInstanceStatus})` })),
  });
  const instance = all.find((i) => i.ReplicationInstanceIdentifier === id) as ReplicationInstance;
  const sg = instance.VpcSecurityGroups?.[0]?.VpcSecurityGroupId;
  if (sg) await recordResource(ctx, RES.dmsSecurityGroup, { kind: "security-group", id: sg, createdByUs: false });
  await recordResource(ctx, RES.instance, { kind: "dms-replication-instance", id, ...(instance.ReplicationInstanceArn ? { arn: instance.ReplicationInstanceArn } : {}), createdByUs: false });
  return waitForInstance(ctx, aws, id);
}

/** A replication subnet group over the Aurora subnets (same VPC), chosen or created. */
async function ensureSubnetGroup(ctx: StepContext, aws: AwsServices, aurora: AuroraClusterOutput, instanceId: string): Promise<string> {
  const rec = recorded(ctx, RES.subnetGroup);
  if (rec) return rec.id;
  const existing = (
    await allPages(async (Marker) => {
      const o = await aws.dms.describeReplicationSubnetGroups({ ...(Marker ? { Marker } : {}) });
      return { items: o.ReplicationSubnetGroups, marker: o.Marker };
    })
  ).filter((g) => g.VpcId === aurora.vpcId && g.ReplicationSubnetGroupIdentifier);
  const ownName = `${instanceId}-subnets`;
  const choice = await ctx.prompter.select({
    id: "dms.subnetGroup",
    message: `Replication subnet group (VPC ${aurora.vpcId})`,
    choices: [
      { value: "create", name: `Create ${ownName} over the Aurora cluster's subnets` },
      ...existing.filter((g) => g.ReplicationSubnetGroupIdentifier !== ownName).map((g) => ({ value: g.ReplicationSubnetGroupIdentifier ?? "", name: `${g.ReplicationSubnetGroupIdentifier} (${g.Subnets?.length ?? 0} subnets)` })),
    ],
    default: "create",
  });
  if (choice !== "create") {
    await recordResource(ctx, RES.subnetGroup, { kind: "dms-subnet-group", id: choice, createdByUs: false });
    return choice;
  }
  const found = await findSubnetGroup(aws, ownName);
  if (!found) {
    await checkVpcRole(ctx, aws);
    await aws.dms.createReplicationSubnetGroup({
      ReplicationSubnetGroupIdentifier: ownName,
      ReplicationSubnetGroupDescription: `aurora-migrate: subnets of the Aurora cluster ${aurora.clusterId}`,
      SubnetIds: aurora.subnetIds,
      Tags: TAGS,
    });
    ctx.reporter.success(`Created the replication subnet group ${ownName} (${aurora.subnetIds.length} subnets).`);
  }
  await recordResource(ctx, RES.subnetGroup, { kind: "dms-subnet-group", id: ownName, createdByUs: true });
  return ownName;
}

/** DMS needs dms-vpc-role, which only the console creates: say so before DMS fails obscurely. */
async function checkVpcRole(ctx: StepContext, aws: AwsServices): Promise<void> {
  try {
    await aws.iam.getRole({ RoleName: "dms-vpc-role" });
  } catch (err) {
    if (isAwsError(err, "NoSuchEntity", "NoSuchEntityException")) {
      throw new OperationError("The IAM role dms-vpc-role does not exist in this account, so DMS cannot create network resources.", { hint: DMS_VPC_ROLE_FIX });
    }
    // No iam:GetRole permission: DMS's own error will say it if the role is missing.
    ctx.reporter.detail(`Could not check for dms-vpc-role: ${(err as Error).message}`);
  }
}

async function waitForInstance(ctx: StepContext, aws: AwsServices, id: string): Promise<ReplicationInstance> {
  return pollUntil(ctx, {
    what: `the replication instance ${id}`,
    until: `the replication instance ${id} is available`,
    read: async () => (await findReplicationInstance(aws, id)) ?? {},
    show: (i) => `replication instance ${id}: ${i.ReplicationInstanceStatus ?? "not found"}`,
    done: (i) => i.ReplicationInstanceStatus === "available",
    failed: (i) => {
      if (!i.ReplicationInstanceIdentifier) return goneError("DMS replication instance", id, RES.instance, ctx.options.statePath);
      const s = i.ReplicationInstanceStatus ?? "";
      return BAD_STATES.includes(s) ? new OperationError(`The replication instance ${id} went to "${s}".`, { hint: "See the instance's events in the DMS console, fix the cause, then resume." }) : undefined;
    },
    firstDelayMs: 15_000,
    maxDelayMs: 60_000,
    timeoutMs: 60 * 60_000,
    successText: () => `Replication instance ${id} is available.`,
  });
}
