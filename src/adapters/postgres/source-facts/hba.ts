import type { HbaFact } from "../../../plan/preflight/facts.js";
import type { CountingClient } from "./counting-client.js";

/**
 * pg_hba.conf as the server parses it (pg_hba_file_rules, superusers only by default). A login
 * that may not read it gets the reason instead of an error: the checks then print the lines to
 * add without being able to say whether they are there.
 */
export async function readHba(db: CountingClient): Promise<HbaFact> {
  try {
    const rows = await db.query<{
      line_number: number;
      type: string;
      database: string[] | null;
      user_name: string[] | null;
      address: string | null;
      netmask: string | null;
      auth_method: string | null;
      error: string | null;
    }>(
      "catalog",
      `SELECT line_number, type, database, user_name, address, netmask, auth_method, error
         FROM pg_hba_file_rules ORDER BY line_number`,
    );
    return {
      readable: true,
      rules: rows.map((r) => ({
        lineNumber: r.line_number,
        type: r.type,
        databases: r.database ?? [],
        users: r.user_name ?? [],
        address: r.address,
        netmask: r.netmask,
        authMethod: r.auth_method,
        error: r.error,
      })),
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // 42501 insufficient_privilege; 42P01 the view does not exist (PostgreSQL before 10).
    if (e.code === "42501" || e.code === "42P01") return { readable: false, reason: e.message ?? String(err) };
    throw err;
  }
}
