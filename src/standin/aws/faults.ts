/**
 * Errors shaped as the AWS SDK v3 raises them: `name` is the service's error code
 * (`ResourceNotFoundFault`, `DBClusterNotFoundFault`, `InvalidGroup.NotFound`, …), `$fault`
 * says whose fault it is. The wizard's error translator and its "not found" checks read
 * exactly these, so the stand-in's answers take the same paths as the real services'.
 */
import { DmsFault } from "../dms-fault.js";

export function awsFault(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client" as const, $metadata: { httpStatusCode } });
}

/** The replication engine's own faults (DmsFault) become SDK-shaped errors of the same name. */
export async function asAwsFaults<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DmsFault) throw awsFault(err.name, err.message);
    throw err;
  }
}

/** Runs `fn` as an AWS call: its result resolves, anything it throws rejects. */
export function answer<T>(fn: () => T): Promise<T> {
  return Promise.resolve().then(fn);
}
