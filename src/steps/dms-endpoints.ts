import { isAwsError } from "../adapters/aws/errors.js";
import type { AwsServices, CreateEndpointInput, DmsConnection, DmsEndpoint } from "../adapters/aws/ports.js";
import { describeLocation } from "../adapters/postgres/url.js";
import { OperationError } from "../errors.js";
import { defaultBaseName, lowerIdentifier, validateAwsIdentifier } from "../plan/aws-identifiers.js";
import { diagnoseConnectionFailure } from "../plan/connection-diagnosis.js";
import type { Step, StepContext } from "../runner.js";
import type { AuroraClusterOutput } from "./aurora-cluster.js";
import { awsFor, dryRunValue, requireOutput, sourceFacts } from "./aws/context.js";
import { lastLogLines, logDetails } from "./aws/logs.js";
import { findEndpoint } from "./aws/lookups.js";
import { pollUntil } from "./aws/poll.js";
import { RES, goneError, recordResource, recorded } from "./aws/resources.js";
import type { ReplicationInstanceOutput } from "./replication-instance.js";

/** What later steps read from `state.outputs["dms-endpoints"]`. */
export interface DmsEndpointsOutput {
  sourceEndpointArn: string;
  targetEndpointArn: string;
}

type Role = "source" | "target";
type EndpointSpec = Omit<CreateEndpointInput, "EndpointIdentifier" | "EndpointType" | "Tags">;

/** Step 5: the source and target endpoints, each tested from the replication instance. */
export const dmsEndpointsStep: Step = {
  id: "dms-endpoints",
  title: "DMS endpoints",
  async run(ctx) {
    const aws = await awsFor(ctx);
    const source = sourceFacts(ctx);
    const aurora = requireOutput<AuroraClusterOutput>(ctx, "aurora-cluster", "The Aurora cluster");
    const instance = requireOutput<ReplicationInstanceOutput>(ctx, "replication-instance", "The replication instance");
    const base = defaultBaseName(source.database);

    const captureDdls = await ctx.prompter.confirm({
      id: "dms.captureDdls",
      message: "Let DMS capture DDL (schema changes) on the source during the migration?",
      help: "Yes makes DMS create an event trigger, a function and the table awsdms_ddl_audit on the source. No (default) leaves the source untouched; freeze schema changes until cutover instead",
      default: false,
    });
    const sourceArn = await ensureEndpoint(ctx, aws, "source", `${base}-source`, async () => ({
      EngineName: "postgres",
      DatabaseName: source.database,
      SslMode: await sslMode(ctx, "source"),
      ...(await credentials(ctx, "source", { host: source.location.host, port: source.location.port, user: source.location.user })),
      PostgreSQLSettings: {
        ...(await secretSettings(ctx, "source")),
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
    }));
    const targetArn = await ensureEndpoint(ctx, aws, "target", `${base}-target`, async () => ({
      EngineName: "aurora-postgresql",
      DatabaseName: aurora.database,
      SslMode: await sslMode(ctx, "target"),
      ...(await credentials(ctx, "target", { host: aurora.writerEndpoint, port: aurora.port, user: aurora.masterUsername, managedSecretArn: aurora.masterSecretArn })),
      PostgreSQLSettings: {
        ...(await secretSettings(ctx, "target", aurora.masterSecretArn)),
        // Foreign keys and user triggers stay quiet while DMS loads and applies, in DMS's sessions only.
        AfterConnectScript: "SET session_replication_role = replica",
        MapBooleanAsBoolean: true,
      },
    }));
    const output: DmsEndpointsOutput = { sourceEndpointArn: sourceArn, targetEndpointArn: targetArn };
    ctx.state.outputs["dms-endpoints"] = output;

    await testConnections(ctx, aws, instance, [
      { role: "source", arn: sourceArn, host: source.location.host, port: source.location.port, user: source.location.user, database: source.database },
      { role: "target", arn: targetArn, host: aurora.writerEndpoint, port: aurora.port, user: aurora.masterUsername, database: aurora.database },
    ]);
    return { summary: `source and target endpoints tested from ${instance.instanceId}` };
  },
  async verify(ctx) {
    if (ctx.options.dryRun) return;
    const aws = await awsFor(ctx);
    for (const key of [RES.sourceEndpoint, RES.targetEndpoint]) {
      const rec = recorded(ctx, key);
      if (rec && !(await findEndpoint(aws, rec.id))) throw goneError("DMS endpoint", rec.id, key, ctx.options.statePath);
    }
  },
};

async function ensureEndpoint(ctx: StepContext, aws: AwsServices, role: Role, defaultId: string, spec: () => Promise<EndpointSpec>): Promise<string> {
  const key = role === "source" ? RES.sourceEndpoint : RES.targetEndpoint;
  const rec = recorded(ctx, key);
  if (rec) {
    if (ctx.options.dryRun) return rec.arn ?? rec.id;
    const found = await findEndpoint(aws, rec.id);
    if (!found?.EndpointArn) throw goneError("DMS endpoint", rec.id, key, ctx.options.statePath);
    return found.EndpointArn;
  }
  const id = await ctx.prompter.text({
    id: `dms.${role}Endpoint.id`,
    message: `Identifier of the DMS ${role} endpoint`,
    default: defaultId,
    validate: (v) => validateAwsIdentifier(v.trim(), 255),
    normalize: lowerIdentifier,
  });
  const input = await spec();
  await ctx.save();
  let endpoint: DmsEndpoint | undefined = ctx.options.dryRun ? undefined : await findEndpoint(aws, id);
  if (endpoint) {
    ctx.reporter.info(`Found the ${role} endpoint ${id} from an earlier run that stopped before recording it; using it.`);
  } else {
    endpoint = (await aws.dms.createEndpoint({ ...input, EndpointIdentifier: id, EndpointType: role, Tags: [{ Key: "created-by", Value: "aurora-migrate" }] })).Endpoint;
    ctx.reporter.success(`Created the DMS ${role} endpoint ${id} (${input.EngineName}, SSL ${input.SslMode}).`);
  }
  const arn = endpoint?.EndpointArn ?? dryRunValue(`${role} endpoint ARN`);
  await recordResource(ctx, key, { kind: "dms-endpoint", id, arn, createdByUs: true, endpointType: role });
  return arn;
}

async function sslMode(ctx: StepContext, role: Role): Promise<"require" | "none"> {
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

async function credentialMode(ctx: StepContext, role: Role): Promise<"password" | "secrets-manager"> {
  return ctx.prompter.select({
    id: `dms.${role}.credentials`,
    message: `How DMS gets the ${role} password`,
    choices: [
      { value: "password", name: "Type it now: sent to AWS only, never saved by the wizard" },
      { value: "secrets-manager", name: "A Secrets Manager secret (its ARN and a role DMS can read it with)" },
    ],
    default: "password",
  });
}

/** Connection fields sent in clear to AWS (password mode); nothing when a secret holds them. */
async function credentials(ctx: StepContext, role: Role, at: { host: string; port: number; user: string; managedSecretArn?: string | undefined }): Promise<Partial<EndpointSpec>> {
  if ((await credentialMode(ctx, role)) === "secrets-manager") return {};
  const key = `${role}.password`;
  let password = ctx.secrets.get(key);
  if (password === undefined) {
    password = await ctx.prompter.secret({
      id: key,
      message: `Password of ${at.user} on ${at.host}, for DMS`,
      help: at.managedSecretArn ? `RDS keeps it in Secrets Manager: aws secretsmanager get-secret-value --secret-id ${at.managedSecretArn}` : "sent to AWS only, never saved",
    });
    ctx.secrets.set(key, password);
  }
  return { ServerName: at.host, Port: at.port, Username: at.user, Password: password };
}

async function secretSettings(ctx: StepContext, role: Role, managedSecretArn?: string): Promise<{ SecretsManagerSecretId?: string; SecretsManagerAccessRoleArn?: string }> {
  if (ctx.state.answers[`dms.${role}.credentials`] !== "secrets-manager") return {};
  const arnLike = (v: string): string | undefined => (/^arn:aws[\w-]*:/.test(v) ? undefined : "expected an ARN (arn:aws:…)");
  const secretId = await ctx.prompter.text({
    id: `dms.${role}.credentialsArn`,
    message: `ARN of the Secrets Manager secret with the ${role}'s username, password, host and port`,
    ...(managedSecretArn ? { default: managedSecretArn } : {}),
    validate: arnLike,
  });
  const roleArn = await ctx.prompter.text({
    id: `dms.${role}.credentialsRoleArn`,
    message: "ARN of the IAM role DMS reads that secret with (secretsmanager:GetSecretValue, and kms:Decrypt for its key)",
    validate: arnLike,
  });
  return { SecretsManagerSecretId: secretId, SecretsManagerAccessRoleArn: roleArn };
}

interface Tested {
  role: Role;
  arn: string;
  host: string;
  port: number;
  user: string;
  database: string;
}

/** DMS's own connection test for both endpoints; a failure says why and what to fix. */
async function testConnections(ctx: StepContext, aws: AwsServices, instance: ReplicationInstanceOutput, endpoints: Tested[]): Promise<void> {
  const startedAt = ctx.clock.now();
  for (const e of endpoints) {
    try {
      await aws.dms.testConnection({ ReplicationInstanceArn: instance.instanceArn, EndpointArn: e.arn });
    } catch (err) {
      // A test still running from a previous attempt: just wait for its result.
      if (!isAwsError(err, "InvalidResourceStateFault")) throw err;
    }
  }
  if (ctx.options.dryRun) {
    ctx.reporter.info("[dry-run] would wait for both connection tests to succeed.");
    return;
  }
  const results = await pollUntil<(DmsConnection | undefined)[]>(ctx, {
    what: "the connection tests",
    read: () =>
      Promise.all(
        endpoints.map(async (e) => {
          const out = await aws.dms.describeConnections({
            // Both filters, or an unrelated connection's result could be read as ours.
            Filters: [
              { Name: "endpoint-arn", Values: [e.arn] },
              { Name: "replication-instance-arn", Values: [instance.instanceArn] },
            ],
          });
          return out.Connections?.[0];
        }),
      ),
    show: (cs) => endpoints.map((e, i) => `${e.role}: ${cs[i]?.Status ?? "waiting"}`).join(" · "),
    done: (cs) => cs.every((c) => c?.Status === "successful" || c?.Status === "failed"),
    firstDelayMs: 5_000,
    maxDelayMs: 20_000,
    timeoutMs: 15 * 60_000,
    successText: (cs) => `Connection tests: ${endpoints.map((e, i) => `${e.role} ${cs[i]?.Status ?? "?"}`).join(", ")}`,
  });
  const failures = endpoints.map((e, i) => ({ e, c: results[i] })).filter((x) => x.c?.Status === "failed");
  if (failures.length === 0) {
    ctx.reporter.success("DMS reaches both the source and Aurora.");
    return;
  }
  const logs = await lastLogLines(aws, { instanceId: instance.instanceId, since: new Date(startedAt.getTime() - 5 * 60_000) });
  const details: string[] = [];
  const hints: string[] = [];
  for (const { e, c } of failures) {
    const message = c?.LastFailureMessage ?? "DMS gave no message";
    details.push(`${e.role} (${describeLocation({ host: e.host, port: e.port, user: e.user, database: e.database, params: {} })}): ${message}`);
    hints.push(`${e.role}: ${diagnoseConnectionFailure({ role: e.role, message, instanceIps: instance.sourceFacingIps, host: e.host, port: e.port, user: e.user, database: e.database })}`);
  }
  throw new OperationError(`DMS could not connect to the ${failures.map((f) => f.e.role).join(" and ")} from ${instance.instanceId}.`, {
    details: [...details, ...logDetails(logs)],
    hint: [...hints, "Then resume: the endpoints are kept and tested again."].join("\n"),
  });
}
