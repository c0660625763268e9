import type { AwsServices, DbCluster, DbSubnetGroup } from "../../adapters/aws/ports.js";
import { UsageError } from "../../core/errors.js";
import { eligibleEngineVersions } from "../../plan/engine-version.js";
import type { StepContext } from "../context.js";
import { planValue } from "../../adapters/aws/dry-run.js";

/** Every page of a Marker-paginated Describe. */
export async function allPages<T>(page: (marker: string | undefined) => Promise<{ items: readonly T[] | undefined; marker: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 50; i++) {
    const p = await page(marker);
    out.push(...(p.items ?? []));
    marker = p.marker;
    if (!marker) break;
  }
  return out;
}

/** Aurora PostgreSQL versions ≥ the source's major, asked with the smallest jump proposed. */
export async function chooseEngineVersion(ctx: StepContext, aws: AwsServices, sourceMajor: number): Promise<string> {
  const versions = await allPages(async (Marker) => {
    const o = await aws.rds.describeDBEngineVersions({ Engine: "aurora-postgresql", ...(Marker ? { Marker } : {}) });
    return { items: o.DBEngineVersions, marker: o.Marker };
  });
  const { choices, proposed } = eligibleEngineVersions(versions, sourceMajor);
  const id = "aurora.engineVersion";
  const message = `Aurora PostgreSQL version (the source runs ${sourceMajor}; the target must be the same major or newer)`;
  if (choices.length === 0) {
    // Kept: an account a dry run cannot read offers no version; the plan goes on with one named (or a plan value) instead of failing.
    if (ctx.options.dryRun) return ctx.prompter.text({ id, message, default: planValue(`newest aurora-postgresql ${sourceMajor}.x`) });
    throw new UsageError(`This region offers no Aurora PostgreSQL version of major ${sourceMajor} or newer.`, {
      hint: "Pick another region with --region, or upgrade the source first.",
    });
  }
  return ctx.prompter.select({
    id,
    message,
    choices: choices.slice(0, 40).map((v) => ({ value: v, name: v })),
    ...(proposed ? { default: proposed } : {}),
  });
}

/** The DB subnet group (and so the VPC) Aurora goes in; chosen from what exists. */
export async function chooseDbSubnetGroup(ctx: StepContext, aws: AwsServices): Promise<DbSubnetGroup> {
  const groups = await allPages(async (Marker) => {
    const o = await aws.rds.describeDBSubnetGroups({ ...(Marker ? { Marker } : {}) });
    return { items: o.DBSubnetGroups, marker: o.Marker };
  });
  const id = "aurora.subnetGroup";
  const message = "DB subnet group for Aurora (it decides the VPC)";
  if (groups.length === 0) {
    // Kept: as for the engine version, a dry run that reads no subnet group plans with a named one.
    if (ctx.options.dryRun) {
      const name = await ctx.prompter.text({ id, message, default: planValue("DB subnet group") });
      return { DBSubnetGroupName: name, VpcId: planValue("VPC of the subnet group"), Subnets: [] };
    }
    throw new UsageError("This account and region have no DB subnet group, so Aurora has no network to go in.", {
      hint: "Create one over subnets in at least two availability zones of your VPC, e.g.\n  aws rds create-db-subnet-group --db-subnet-group-name app-db --db-subnet-group-description 'app databases' --subnet-ids subnet-aaa subnet-bbb\nthen resume.",
    });
  }
  const name = await ctx.prompter.select({
    id,
    message,
    choices: groups.map((g) => ({
      value: g.DBSubnetGroupName ?? "",
      name: `${g.DBSubnetGroupName} (VPC ${g.VpcId}, ${g.Subnets?.length ?? 0} subnets)`,
    })),
    default: (groups.find((g) => g.DBSubnetGroupName === "default") ?? groups[0])?.DBSubnetGroupName ?? "",
  });
  return groups.find((g) => g.DBSubnetGroupName === name) as DbSubnetGroup;
}

/** An existing Aurora PostgreSQL cluster, refused when its major is older than the source's. */
export async function chooseExistingCluster(ctx: StepContext, aws: AwsServices, sourceMajor: number): Promise<DbCluster> {
  const clusters = (
    await allPages(async (Marker) => {
      const o = await aws.rds.describeDBClusters({ Filters: [{ Name: "engine", Values: ["aurora-postgresql"] }], ...(Marker ? { Marker } : {}) });
      return { items: o.DBClusters, marker: o.Marker };
    })
  ).filter((c) => c.DBClusterIdentifier);
  if (clusters.length === 0) {
    throw new UsageError("There is no Aurora PostgreSQL cluster in this account and region to pick.", {
      hint: 'Answer "create" to let the wizard create one (question aurora.mode), or check --region / --profile.',
    });
  }
  const chosen = await ctx.prompter.select({
    id: "aurora.clusterId",
    message: "Which Aurora cluster receives the data?",
    choices: clusters.map((c) => ({ value: c.DBClusterIdentifier ?? "", name: `${c.DBClusterIdentifier} (PostgreSQL ${c.EngineVersion}, ${c.Status})` })),
  });
  const cluster = clusters.find((c) => c.DBClusterIdentifier === chosen) as DbCluster;
  const major = Number.parseInt(cluster.EngineVersion ?? "0", 10);
  if (major < Math.floor(sourceMajor)) {
    throw new UsageError(`The cluster ${chosen} runs PostgreSQL ${cluster.EngineVersion}, older than the source's ${sourceMajor}.`, {
      hint: "DMS can only move data to the same major or newer: pick another cluster, or let the wizard create one (aurora.mode = create).",
    });
  }
  return cluster;
}
