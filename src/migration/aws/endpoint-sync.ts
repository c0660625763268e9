import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices, CreateEndpointInput, DmsEndpoint, ModifyEndpointInput } from "../../adapters/aws/ports.js";
import { lowerIdentifier, validateAwsIdentifier } from "../../plan/aws-identifiers.js";
import type { StepContext } from "../context.js";
import type { EndpointCredentials, EndpointRole } from "./endpoint-credentials.js";
import { findEndpoint } from "./lookups.js";
import { RES, goneError, recordResource, recorded } from "./resources.js";

/** What the step wants an endpoint to be, without its identity. */
export type EndpointSpec = Omit<CreateEndpointInput, "EndpointIdentifier" | "EndpointType" | "Tags">;

const TOP_LEVEL = ["EngineName", "DatabaseName", "SslMode", "CertificateArn", "ServerName", "Port", "Username"] as const;
const SECRET_KEYS = ["SecretsManagerSecretId", "SecretsManagerAccessRoleArn"] as const;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The ModifyEndpoint call (DMS API reference, ModifyEndpoint) that brings `actual` to `desired`
 * with only the settings that differ, or undefined when nothing does. DMS never shows a
 * password, so one is sent only with a change of login mode or when `resendPassword` (DMS's last
 * test of the endpoint failed: the password given now may be the fix). Dropping the secret
 * settings (secret → password mode) needs `ExactSettings`, which replaces PostgreSQLSettings whole.
 */
export function endpointChanges(actual: DmsEndpoint, desired: EndpointSpec, o: { resendPassword: boolean }): ModifyEndpointInput | undefined {
  const change: ModifyEndpointInput = { EndpointArn: actual.EndpointArn };
  for (const k of TOP_LEVEL) {
    if (desired[k] !== undefined && !same(desired[k], actual[k])) Object.assign(change, { [k]: desired[k] });
  }
  const want = (desired.PostgreSQLSettings ?? {}) as Record<string, unknown>;
  const have = (actual.PostgreSQLSettings ?? {}) as Record<string, unknown>;
  const dropsSecret = SECRET_KEYS.some((k) => have[k] !== undefined && want[k] === undefined);
  const addsSecret = SECRET_KEYS.some((k) => want[k] !== undefined && have[k] === undefined);
  if (dropsSecret) {
    change.PostgreSQLSettings = desired.PostgreSQLSettings ?? {};
    change.ExactSettings = true;
  } else {
    const changed = Object.fromEntries(Object.entries(want).filter(([k, v]) => !same(v, have[k])));
    if (Object.keys(changed).length) change.PostgreSQLSettings = changed;
  }
  if (desired.Password !== undefined && (dropsSecret || o.resendPassword)) change.Password = desired.Password;
  if (addsSecret) delete change.Password;
  return Object.keys(change).length > 1 ? change : undefined;
}

/** IAM takes a few seconds to let DMS assume a role made a moment ago: DMS then says AccessDeniedFault. */
async function allowingIamDelay<T>(ctx: StepContext, fresh: boolean, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      if (!fresh || attempt >= 5 || !isAwsError(err, "AccessDeniedFault")) throw err;
      ctx.reporter.detail("DMS cannot assume the new IAM role yet (IAM is still propagating it); trying again.");
      await ctx.clock.sleep(5_000 * attempt, ctx.signal);
    }
  }
}

/**
 * The endpoint: the recorded one, brought to the current answers (ModifyEndpoint with what
 * differs), else the one with the chosen identifier (a create whose state write was lost),
 * else a new one. Returns its ARN and whether it was changed (it is then tested again).
 */
export async function ensureEndpoint(
  ctx: StepContext,
  aws: AwsServices,
  o: { role: EndpointRole; defaultId: string; spec: () => Promise<{ spec: EndpointSpec; credentials: EndpointCredentials }>; instanceArn: string },
): Promise<{ arn: string; modified: boolean }> {
  const key = o.role === "source" ? RES.sourceEndpoint : RES.targetEndpoint;
  const rec = recorded(ctx, key);
  if (rec) {
    const found = await findEndpoint(aws, rec.id);
    if (!found?.EndpointArn) throw goneError("DMS endpoint", rec.id, key, ctx.options.statePath);
    const { spec, credentials } = await o.spec();
    const change = endpointChanges(found, spec, { resendPassword: credentials.mode === "password" && (await lastTestFailed(aws, found.EndpointArn, o.instanceArn)) });
    if (!change) return { arn: found.EndpointArn, modified: false };
    await allowingIamDelay(ctx, credentials.roleIsNew, () => aws.dms.modifyEndpoint(change));
    const what = Object.keys(change).filter((k) => k !== "EndpointArn" && k !== "ExactSettings" && k !== "PostgreSQLSettings");
    const pg = Object.keys(change.PostgreSQLSettings ?? {});
    ctx.reporter.success(`Modified the DMS ${o.role} endpoint ${rec.id} to the current answers: ${[...what, ...pg.map((k) => `PostgreSQLSettings.${k}`)].join(", ")}.`);
    return { arn: found.EndpointArn, modified: true };
  }
  const id = await ctx.prompter.text({
    id: `dms.${o.role}Endpoint.id`,
    message: `Identifier of the DMS ${o.role} endpoint`,
    default: o.defaultId,
    validate: (v) => validateAwsIdentifier(v.trim(), 255),
    normalize: lowerIdentifier,
  });
  const { spec, credentials } = await o.spec();
  await ctx.save();
  let endpoint: DmsEndpoint | undefined = await findEndpoint(aws, id);
  let modified = false;
  if (endpoint?.EndpointArn) {
    ctx.reporter.info(`Found the ${o.role} endpoint ${id} from an earlier run that stopped before recording it; using it.`);
    const change = endpointChanges(endpoint, spec, { resendPassword: credentials.mode === "password" });
    if (change) {
      await allowingIamDelay(ctx, credentials.roleIsNew, () => aws.dms.modifyEndpoint(change));
      modified = true;
    }
  } else {
    const input: CreateEndpointInput = { ...spec, EndpointIdentifier: id, EndpointType: o.role, Tags: [{ Key: "created-by", Value: "aurora-migrate" }] };
    endpoint = (await allowingIamDelay(ctx, credentials.roleIsNew, () => aws.dms.createEndpoint(input))).Endpoint;
    const how = credentials.mode === "secret" ? "credentials from its secret" : "password field";
    ctx.reporter.success(`Created the DMS ${o.role} endpoint ${id} (${spec.EngineName}, SSL ${spec.SslMode}, ${how}).`);
  }
  const arn = endpoint?.EndpointArn ?? "?";
  await recordResource(ctx, key, { kind: "dms-endpoint", id, arn, createdByUs: true, endpointType: o.role });
  return { arn, modified };
}

/** Whether DMS's last connection test of the endpoint from this instance failed. */
async function lastTestFailed(aws: AwsServices, endpointArn: string, instanceArn: string): Promise<boolean> {
  const out = await aws.dms.describeConnections({
    Filters: [
      { Name: "endpoint-arn", Values: [endpointArn] },
      { Name: "replication-instance-arn", Values: [instanceArn] },
    ],
  });
  return out.Connections?.[0]?.Status === "failed";
}
