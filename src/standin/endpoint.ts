import { connectPg, type PgClient } from "../adapters/postgres/connect.js";
import type { PgLocation } from "../adapters/postgres/url.js";

/** One side of a task: where the database is and the password to reach it (memory only). */
export interface PgEndpoint {
  location: PgLocation;
  password?: string;
}

/** application_name of the stand-in's sessions: recognisable in pg_stat_activity, and ours to end. */
export const STANDIN_APPLICATION_NAME = "aurora-migrate-standin";

export function connectEndpoint(endpoint: PgEndpoint, options: { replication?: "database" } = {}): Promise<PgClient> {
  return connectPg(endpoint.location, endpoint.password, { applicationName: STANDIN_APPLICATION_NAME, ...options });
}

/** Ends a session without waiting on a server that may be gone. */
export async function closeQuietly(client: PgClient | undefined): Promise<void> {
  if (!client) return;
  await client.end().catch(() => undefined);
}

/** Runs `fn` with a session of its own on the endpoint, closed afterwards. */
export async function withSession<T>(endpoint: PgEndpoint, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await connectEndpoint(endpoint);
  try {
    return await fn(client);
  } finally {
    await closeQuietly(client);
  }
}
