import { APPLICATION_NAME } from "./connect.js";
import { type PgLocation, formatPgUrl } from "./url.js";

export interface LibpqEnvOptions {
  /** The environment the child inherits; default this process's. */
  base?: NodeJS.ProcessEnv;
  /**
   * Put the password into DATABASE_URL too (a user's hook: apps read their URL whole). The
   * tool's own pg_dump/psql get it only as PGPASSWORD, never in a URL. Default false.
   */
  passwordInUrl?: boolean;
  /** PGAPPNAME for the child's sessions; default: left as inherited. */
  applicationName?: string;
}

/**
 * The environment for a child process that reaches `loc` through libpq (pg_dump, psql, a
 * user's hook): PGHOST/PGPORT/PGDATABASE/PGUSER/PGSSLMODE/PGPASSWORD and DATABASE_URL. An
 * inherited PGSSLMODE is dropped when the URL has none, so the child connects as the URL says.
 * Only ever handed to a child process; never logged or saved.
 */
export function libpqEnv(loc: PgLocation, password: string | undefined, o: LibpqEnvOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...(o.base ?? process.env),
    PGHOST: loc.host,
    PGPORT: String(loc.port),
    PGDATABASE: loc.database,
    PGUSER: loc.user,
  };
  const sslmode = loc.params["sslmode"];
  if (sslmode) env["PGSSLMODE"] = sslmode;
  else delete env["PGSSLMODE"];
  if (o.applicationName) env["PGAPPNAME"] = o.applicationName;
  let url = formatPgUrl(loc);
  if (password !== undefined) {
    env["PGPASSWORD"] = password;
    if (o.passwordInUrl) url = url.replace(/^postgres:\/\/([^@]*)@/, (_m, user: string) => `postgres://${user}:${encodeURIComponent(password)}@`);
  }
  env["DATABASE_URL"] = url;
  return env;
}

/** The environment of the tool's own libpq programs (pg_dump, psql): tagged as the tool's sessions. */
export const toolEnv = (loc: PgLocation, password: string | undefined): NodeJS.ProcessEnv => libpqEnv(loc, password, { applicationName: APPLICATION_NAME });
