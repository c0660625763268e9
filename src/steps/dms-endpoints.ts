import { isPlanValue, planValue } from "../adapters/aws/dry-run.js";
import { OperationError } from "../core/errors.js";
import { defaultBaseName } from "../plan/aws-identifiers.js";
import type { Step, StepContext } from "../migration/context.js";
import { awsFor, sourceFacts } from "../migration/aws/context.js";
import { regionOfArn } from "../plan/dms-secret-policy.js";
import { ensureTargetCertificate } from "../migration/aws/dms-certificate.js";
import { sourceCredentials, targetCredentials } from "../migration/aws/endpoint-credentials.js";
import { ensureEndpoint } from "../migration/aws/endpoint-sync.js";
import { testConnections } from "../migration/aws/endpoint-tests.js";
import { findCertificate, findEndpoint } from "../migration/aws/lookups.js";
import { RES, goneError, recorded } from "../migration/aws/resources.js";
import type { DmsEndpointsOutput, ReplicationInstanceOutput } from "../migration/outputs/aws.js";
import { requireOutput, writeOutput } from "../migration/outputs/read.js";

/**
 * Step 5: the source and target endpoints, each tested from the replication instance. By
 * default each logs in through a Secrets Manager secret in the shape DMS documents, read with an
 * IAM role only DMS may assume (both made, recorded and removed at cleanup by the tool); or
 * through the endpoint's password field. A recorded endpoint whose settings differ from the
 * answers is modified (only what differs) and tested again.
 */
export const dmsEndpointsStep: Step = {
  id: "dms-endpoints",
  title: "DMS endpoints",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const source = sourceFacts(ctx);
    const aurora = requireOutput(ctx, "aurora-cluster", "The Aurora cluster");
    const instance = requireOutput(ctx, "replication-instance", "The replication instance");
    const base = defaultBaseName(source.database);
    const common = { base, region: instanceRegion(instance) };

    const captureDdls = await ctx.prompter.confirm({
      id: "dms.captureDdls",
      message: "Let DMS capture DDL (schema changes) on the source during the migration?",
      help: "Yes makes DMS create an event trigger, a function and the table awsdms_ddl_audit on the source. No (default) leaves the source untouched; freeze schema changes until cutover instead",
      default: false,
    });
    const loc = source.location;
    const src = await ensureEndpoint(ctx, aws, {
      role: "source",
      defaultId: `${base}-source`,
      instanceArn: instance.instanceArn,
      spec: async () => {
        const sslMode = await sslModeOf(ctx, "source");
        const credentials = await sourceCredentials(ctx, aws, common, { host: loc.host, port: loc.port, user: loc.user, database: source.database });
        return {
          credentials,
          spec: {
            EngineName: "postgres",
            DatabaseName: source.database,
            SslMode: sslMode,
            ...credentials.fields,
            PostgreSQLSettings: {
              ...credentials.settings,
              // Keeps the slot's restart_lsn moving on a quiet source, so WAL is not retained.
              HeartbeatEnable: true,
              HeartbeatFrequency: 5,
              CaptureDdls: captureDdls,
              // test_decoding works with REPLICA IDENTITY FULL (the fix for tables without a key).
              PluginName: "test-decoding",
              MapBooleanAsBoolean: true,
              // A LOB larger than the task's limit fails the task instead of being cut short silently.
              FailTasksOnLobTruncation: true,
            },
          },
        };
      },
    });
    let certificate: { id: string; arn: string } | undefined;
    const tgt = await ensureEndpoint(ctx, aws, {
      role: "target",
      defaultId: `${base}-target`,
      instanceArn: instance.instanceArn,
      spec: async () => {
        // With the RDS CA bundle (step 3), DMS checks Aurora's certificate and host name, as the tool does.
        certificate = await ensureTargetCertificate(ctx, aws, base);
        const sslMode = certificate ? "verify-full" : await sslModeOf(ctx, "target");
        const credentials = await targetCredentials(ctx, aws, common, aurora);
        return {
          credentials,
          spec: {
            EngineName: "aurora-postgresql",
            DatabaseName: aurora.database,
            SslMode: sslMode,
            ...(certificate ? { CertificateArn: certificate.arn } : {}),
            ...credentials.fields,
            PostgreSQLSettings: {
              ...credentials.settings,
              // Foreign keys and user triggers stay quiet while DMS loads and applies, in DMS's sessions only.
              AfterConnectScript: "SET session_replication_role = replica",
              MapBooleanAsBoolean: true,
            },
          },
        };
      },
    });
    const output: DmsEndpointsOutput = {
      sourceEndpointArn: src.arn,
      targetEndpointArn: tgt.arn,
      sourceCredentials: ctx.state.answers["dms.source.credentials"] === "password" ? "password" : "secret",
      targetCredentials: ctx.state.answers["dms.target.credentials"] === "password" ? "password" : "secret",
      ...(certificate ? { targetCertificateArn: certificate.arn } : {}),
    };
    writeOutput(ctx, "dms-endpoints", output);

    const targetUser = typeof ctx.state.answers["dms.target.username"] === "string" ? ctx.state.answers["dms.target.username"] : aurora.masterUsername;
    await testConnections(ctx, aws, instance, [
      { role: "source", arn: src.arn, host: loc.host, port: loc.port, user: loc.user, database: source.database },
      { role: "target", arn: tgt.arn, host: aurora.writerEndpoint, port: aurora.port, user: targetUser, database: aurora.database },
    ]);
    const changed = [src.modified ? "source" : "", tgt.modified ? "target" : ""].filter(Boolean);
    const verified = certificate ? `; the target verifies Aurora against the RDS CA bundle (verify-full, certificate ${certificate.id})` : "";
    return { summary: `source and target endpoints tested from ${instance.instanceId}${changed.length ? ` (${changed.join(" and ")} modified to the current answers)` : ""}${verified}` };
  },
  async verify(ctx) {
    const aws = await awsFor(ctx);
    for (const key of [RES.sourceEndpoint, RES.targetEndpoint]) {
      const rec = recorded(ctx, key);
      if (rec && !(await findEndpoint(aws, rec.id))) throw goneError("DMS endpoint", rec.id, key, ctx.options.statePath);
    }
    const cert = recorded(ctx, RES.targetCertificate);
    if (cert && !(await findCertificate(aws, cert.arn ? { arn: cert.arn } : { id: cert.id }))) throw goneError("DMS certificate", cert.id, RES.targetCertificate, ctx.options.statePath);
  },
};

/** DMS in the replication instance's region assumes the secret role. */
function instanceRegion(instance: ReplicationInstanceOutput): string {
  // A planned instance (--dry-run) has a plan value for its ARN, and so for its region.
  if (isPlanValue(instance.instanceArn)) return planValue("region");
  const region = regionOfArn(instance.instanceArn);
  if (region) return region;
  throw new OperationError(`The replication instance's ARN ${instance.instanceArn} names no region.`, { hint: "Check the replication-instance output in the state file, then resume." });
}

async function sslModeOf(ctx: StepContext, role: "source" | "target"): Promise<"require" | "none"> {
  return ctx.prompter.select({
    id: `dms.${role}.sslMode`,
    message: `SSL between DMS and the ${role}`,
    choices: [
      { value: "require", name: "require: encrypted (recommended)" },
      { value: "none", name: "none: only for a source without SSL, inside a private network" },
    ],
    default: "require",
  });
}
