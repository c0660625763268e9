/**
 * --dry-run as a port: the AWS services a dry run hands to the steps. Reads (Describe…, Get…,
 * List…, Filter…) go to the wrapped services, so a dry run sees what exists and can say
 * "would reuse X" rather than "would create X". Every other call (create, modify, delete,
 * start, stop, tag, authorize, revoke, test…) is printed and recorded, never sent, and answered
 * with plan values: placeholders such as `<task ARN>` made by `planValue`, in the fields the
 * steps read back. Steps therefore need no dry-run branch to avoid changing AWS.
 *
 * A dry run must work without AWS access too (no credentials, no permission to read): the
 * first read that fails for another reason than "not found" is reported once, and from then on
 * reads answer as if nothing existed (`{}`), which is what the plan then assumes.
 */
import type { Reporter } from "../../ui/reporter.js";
import { type AwsCall, awsErrorCodes, describeCall } from "./errors.js";
import { formatParams } from "./instrument.js";
import type { AwsServices, ServiceName } from "./ports.js";

/** The one maker of plan values: what a call would return, shown as `<what>`. */
export const planValue = (what: string): string => `<${what}>`;

/** A call a dry run would make, in order. */
export interface PlannedCall {
  service: ServiceName;
  method: string;
  input: unknown;
}

export interface DryRunOptions {
  reporter: Reporter;
  /** Replaces known secrets in printed parameters. */
  redact?: (text: string) => string;
}

/** The services of a dry run, with the calls it would have made. */
export type DryRunServices = AwsServices & { readonly planned: readonly PlannedCall[] };

const SERVICE_NAMES: readonly ServiceName[] = ["rds", "dms", "cloudwatch", "logs", "ec2", "iam", "secretsmanager"];

/** Calls that only look: sent even in a dry run. */
export const isReadCall = (method: string): boolean => /^(describe|get|list|filter)[A-Z]/.test(method);

/** "No such thing" answers, which the steps handle themselves: passed on, not taken for lost access. */
const NOT_FOUND = /NotFound|NoSuchEntity|Malformed/;

type Input = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "?");

/**
 * What a write answers in a dry run: the fields steps read back, as plan values. The texts
 * match what the steps print for the same things, so the plan reads as one story.
 */
function planAnswer(call: AwsCall, input: Input): object {
  switch (`${call.service}.${call.method}`) {
    case "ec2.createSecurityGroup":
      return { GroupId: planValue(`new security group ${str(input.GroupName)}`) };
    case "dms.createEndpoint":
      return { Endpoint: { EndpointIdentifier: input.EndpointIdentifier, EndpointType: input.EndpointType, EndpointArn: planValue(`${str(input.EndpointType)} endpoint ARN`) } };
    case "dms.createReplicationTask":
      return { ReplicationTask: { ReplicationTaskIdentifier: input.ReplicationTaskIdentifier, ReplicationTaskArn: planValue("task ARN") } };
    case "dms.importCertificate":
      return { Certificate: { CertificateIdentifier: input.CertificateIdentifier as string | undefined, CertificateArn: planValue("certificate ARN") } };
    case "secretsmanager.createSecret":
      return { Name: input.Name, ARN: planValue(`ARN of the secret ${str(input.Name)}`) };
    case "iam.createRole":
      return { Role: { RoleName: input.RoleName, Arn: planValue(`ARN of the role ${str(input.RoleName)}`) } };
    default:
      return {};
  }
}

/** Wraps `inner` (the real services, the demo's stand-in or a test's fake) for --dry-run. */
export function dryRunServices(inner: AwsServices, o: DryRunOptions): DryRunServices {
  const planned: PlannedCall[] = [];
  let offline = false;
  const read = async (call: AwsCall, send: () => Promise<unknown>): Promise<unknown> => {
    if (offline) return {};
    try {
      return await send();
    } catch (err) {
      if (awsErrorCodes(err).some((c) => NOT_FOUND.test(c))) throw err;
      offline = true;
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
      const what = reason.includes(describeCall(call)) ? reason : `${describeCall(call)}: ${reason}`;
      o.reporter.info(`[dry-run] Could not read AWS (${what}); the plan below assumes none of the migration's resources exist yet.`);
      return {};
    }
  };
  const wrapped = { planned } as Record<ServiceName | "planned", object>;
  for (const service of SERVICE_NAMES) {
    const port = inner[service];
    wrapped[service] = new Proxy(port, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== "function" || typeof key !== "string") return value;
        const fn = value as (input: unknown) => Promise<unknown>;
        const call: AwsCall = { service, method: key };
        if (isReadCall(key)) return (input: unknown) => read(call, () => fn.call(target, input));
        return (input: unknown) => {
          planned.push({ service, method: key, input });
          o.reporter.info(`[dry-run] ${describeCall(call)} ${formatParams(input, o.redact)}`);
          return Promise.resolve(planAnswer(call, (input ?? {}) as Input));
        };
      },
    });
  }
  return wrapped as unknown as DryRunServices;
}
