import type { Reporter } from "../../ui/reporter.js";
import { type AwsCall, describeCall, translateAwsError } from "./errors.js";
import type { AwsServices, ServiceName } from "./ports.js";

export interface InstrumentOptions {
  reporter: Reporter;
  /** Replaces known secrets in printed parameters. */
  redact?: (text: string) => string;
  profile?: string;
}

const SERVICE_NAMES: readonly ServiceName[] = ["rds", "dms", "cloudwatch", "logs", "ec2", "iam", "secretsmanager"];

type Around = (call: AwsCall, input: unknown, send: () => Promise<unknown>) => Promise<unknown>;

/** Wraps every method of a port (plain object or class instance) with `around`. */
function wrapPort<T extends object>(service: ServiceName, port: T, around: Around): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      const fn = value as (input: unknown) => Promise<unknown>;
      return (input: unknown) => around({ service, method: key }, input, () => fn.call(target, input));
    },
  });
}

/**
 * The services as steps see them, whether real or the demo's stand-in: every failure
 * translated into a message with a fix (errors.ts) and every call shown with --verbose.
 * --dry-run wraps the result in dry-run.ts's port (writes printed, not made).
 */
export function instrumentServices(services: AwsServices, o: InstrumentOptions): AwsServices {
  const around: Around = async (call, _input, send) => {
    o.reporter.detail(`AWS ${describeCall(call)}`);
    try {
      return await send();
    } catch (err) {
      throw translateAwsError(err, call, o.profile ? { profile: o.profile } : {});
    }
  };
  const wrapped = {} as Record<ServiceName, object>;
  for (const name of SERVICE_NAMES) wrapped[name] = wrapPort(name, services[name], around);
  return wrapped as unknown as AwsServices;
}

const SECRET_KEY = /password|secretstring|secretaccesskey|sessiontoken/i;
const LONG = 160;

/** The call's parameters as one line of JSON: secrets masked, very long values shortened. */
export function formatParams(input: unknown, redact: (text: string) => string = (t) => t): string {
  const text = JSON.stringify(input ?? {}, (key, value: unknown) => {
    if (key && SECRET_KEY.test(key) && value !== undefined && typeof value !== "boolean") return "***";
    if (typeof value === "string") {
      const clean = redact(value);
      return clean.length > LONG ? `${clean.slice(0, LONG)}… (${clean.length} chars)` : clean;
    }
    return value;
  });
  return redact(text);
}
