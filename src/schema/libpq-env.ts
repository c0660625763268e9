import { formatPgUrl, type PgLocation } from "../adapters/postgres/url.js";

/**
 * The environment for a child process that talks to `loc` through libpq (pg_dump, psql, a
 * user's hook): PG* variables and DATABASE_URL. The password travels only as PGPASSWORD in
 * the child's environment, never on a command line or in DATABASE_URL.
 */
export function libpqEnv(loc: PgLocation, password: string | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    PGHOST: loc.host,
    PGPORT: String(loc.port),
    PGDATABASE: loc.database,
    PGUSER: loc.user,
    DATABASE_URL: formatPgUrl(loc),
    PGAPPNAME: "aurora-migrate",
  };
  if (loc.params["sslmode"]) env["PGSSLMODE"] = loc.params["sslmode"];
  else delete env["PGSSLMODE"];
  if (password !== undefined) env["PGPASSWORD"] = password;
  return env;
}
