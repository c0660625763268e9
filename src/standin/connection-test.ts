/**
 * The stand-in's TestConnection for an endpoint: what DMS checks, in DMS's result shape. For a
 * source it also opens a logical replication connection, which CDC needs and which only a
 * superuser or a role with REPLICATION may open, so a missing right fails here, not mid-task.
 */
import { errorMessage } from "../core/errors.js";
import { type PgEndpoint, closeQuietly, connectEndpoint } from "./endpoint.js";

export interface ConnectionTestResult {
  Status: "successful" | "failed";
  LastFailureMessage?: string;
}

export async function testEndpointConnection(endpoint: PgEndpoint, type: "source" | "target"): Promise<ConnectionTestResult> {
  const attempts: { replication?: "database" }[] = type === "source" ? [{}, { replication: "database" }] : [{}];
  for (const options of attempts) {
    try {
      const client = await connectEndpoint(endpoint, options);
      await client.query(options.replication ? "IDENTIFY_SYSTEM" : "SELECT 1");
      await closeQuietly(client);
    } catch (err) {
      const what = options.replication ? "a replication connection (needed for CDC)" : "a connection";
      const hint = (err as { hint?: string }).hint;
      return { Status: "failed", LastFailureMessage: `Test connection for ${what} failed: ${errorMessage(err)}${hint ? ` ${hint}` : ""}` };
    }
  }
  return { Status: "successful" };
}
