import { APPLICATION_NAME } from "./connect.js";
import { type PgLocation, formatPgUrl } from "./url.js";

/** URL parameters and the libpq environment variables that carry them. */
const LIBPQ_TLS_ENV: readonly (readonly [string, string])[] = [
  ["sslmode", "PGSSLMODE"],
  ["sslrootcert", "PGSSLROOTCERT"],
  ["sslcert", "PGSSLCERT"],
  ["sslkey", "PGSSLKEY"],
];

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
 * user's hook): PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD, the TLS settings (PGSSLMODE,
 * PGSSLROOTCERT, PGSSLCERT, PGSSLKEY) and DATABASE_URL (which carries them too). An inherited
 * TLS variable is dropped when the URL has no such parameter, so the child connects as the URL
 * says (no sslmode: libpq's prefer, as the tool's own connections).
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
  // The child connects with TLS exactly as the URL says; an inherited setting the URL lacks is dropped.
  for (const [param, variable] of LIBPQ_TLS_ENV) {
    const value = loc.params[param];
    if (value) env[variable] = value;
    else delete env[variable];
  }
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
