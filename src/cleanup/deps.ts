import { NotBuiltError } from "../errors.js";
import type { ResourceRecord } from "../state/schema.js";

/** What an AWS call in cleanup found: it did it, or there was nothing left to do. */
export type CleanupOutcome = "done" | "already-gone";

/**
 * The AWS side of cleanup, injected (wired to the AWS adapters by the caller). Each call is
 * handed the resource as recorded in the state and resolves only once the change has
 * happened (a deleted task is gone, so its endpoints can go next); a resource that no longer
 * exists is "already-gone", never an error, so cleanup can run twice.
 */
export interface CleanupDeps {
  /** Stops the DMS task; "already-gone" when it is stopped already or does not exist. */
  stopTask(task: ResourceRecord): Promise<CleanupOutcome>;
  deleteTask(task: ResourceRecord): Promise<CleanupOutcome>;
  deleteEndpoint(endpoint: ResourceRecord): Promise<CleanupOutcome>;
  deleteInstance(instance: ResourceRecord): Promise<CleanupOutcome>;
  /** Revokes one security-group rule the tool added. */
  revokeRule(rule: ResourceRecord): Promise<CleanupOutcome>;
}

/** This build has no AWS adapters yet: each call says so, before anything on AWS is touched. */
export function unavailableCleanupDeps(): CleanupDeps {
  const missing = (what: string) => (): Promise<CleanupOutcome> => Promise.reject(new NotBuiltError(`${what} (the AWS adapters)`));
  return {
    stopTask: missing("Stopping the DMS task"),
    deleteTask: missing("Deleting the DMS task"),
    deleteEndpoint: missing("Deleting a DMS endpoint"),
    deleteInstance: missing("Deleting the DMS replication instance"),
    revokeRule: missing("Revoking a security-group rule"),
  };
}
