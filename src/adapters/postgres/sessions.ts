import { majorOf } from "../../plan/pg-version.js";
import type { PgClient } from "./connect.js";

/**
 * Opens the source, then the target, runs `work` with both, and closes both whatever happens
 * (a close that fails is ignored: the session is gone either way, and the work's error matters).
 */
export async function withBoth<T>(openSource: () => Promise<PgClient>, openTarget: () => Promise<PgClient>, work: (source: PgClient, target: PgClient) => Promise<T>): Promise<T> {
  const source = await openSource();
  try {
    const target = await openTarget();
    try {
      return await work(source, target);
    } finally {
      await target.end().catch(() => undefined);
    }
  } finally {
    await source.end().catch(() => undefined);
  }
}

/** The server's PostgreSQL major (9.6, 15, …), from server_version_num. */
export async function serverMajor(client: PgClient): Promise<number> {
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return majorOf(Number(rows[0]?.v ?? 0));
}
