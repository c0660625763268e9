import { type PgLocation, formatPgUrl } from "./url.js";

/**
 * The libpq environment for a hook that must reach a database: DATABASE_URL (with the password
 * when we have it, as apps expect) and PGHOST/PGPORT/PGDATABASE/PGUSER/PGSSLMODE/PGPASSWORD.
 * Only ever handed to a child process; never logged or saved.
 */
export function pgEnvironment(loc: PgLocation, password: string | undefined): Record<string, string> {
  const env: Record<string, string> = {
    PGHOST: loc.host,
    PGPORT: String(loc.port),
    PGDATABASE: loc.database,
    PGUSER: loc.user,
  };
  const sslmode = loc.params["sslmode"];
  if (sslmode) env["PGSSLMODE"] = sslmode;
  let url = formatPgUrl(loc);
  if (password !== undefined) {
    env["PGPASSWORD"] = password;
    url = url.replace(/^postgres:\/\/([^@]*)@/, (_m, user: string) => `postgres://${user}:${encodeURIComponent(password)}@`);
  }
  env["DATABASE_URL"] = url;
  return env;
}
