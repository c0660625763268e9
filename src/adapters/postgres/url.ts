import { resolve } from "node:path";
import { parse as parseConnectionString } from "pg-connection-string";
import { UsageError } from "../../core/errors.js";
import { redactUrl } from "../../core/secrets.js";

/** The parts of a PostgreSQL URL the tool uses. The password is never kept here. */
export interface PgLocation {
  host: string;
  port: number;
  database: string;
  user: string;
  /**
   * The URL's other parameters as given: `sslmode`, `sslrootcert`, `sslcert`, `sslkey` (file
   * paths, never their contents), `application_name`…
   */
  params: Record<string, string>;
}

/** libpq's sslmode values, weakest first (https://www.postgresql.org/docs/current/libpq-ssl.html). */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The sslmode a location asks for; none means `prefer`, as in libpq. */
export function sslModeOf(loc: PgLocation): SslMode {
  return (loc.params["sslmode"] as SslMode | undefined) ?? "prefer";
}

/** Parameters that are parts of the location itself, not kept among `params`. */
const LOCATION_KEYS = new Set(["host", "port", "user", "password", "dbname"]);

/** Parameters naming a file (libpq's `sslrootcert=system` names the system's trust store). */
const FILE_PARAMS = new Set(["sslrootcert", "sslcert", "sslkey", "sslcrl"]);

const FORM_HINT = "Use the form postgres://user@host:5432/dbname (add ?sslmode=verify-full&sslrootcert=/path/to/ca.pem to verify the server).";

function badSslMode(mode: string, shown: string): UsageError {
  return new UsageError(`The URL ${shown} has sslmode=${mode}, which is not an sslmode.`, {
    hint: `Use one of ${SSL_MODES.join(", ")} (as libpq: prefer tries TLS then plain, require encrypts without checking the certificate, verify-ca checks it against sslrootcert, verify-full checks the host name too).`,
  });
}

/**
 * Parses `postgres://user[:password]@host[:port]/db?sslmode=…&sslrootcert=…` with pg's own
 * parser (pg-connection-string), so every parameter libpq knows reaches the connection. Returns
 * the location and the password (if the URL carried one) separately, so the password can be
 * kept in memory only. A bad sslmode, or a certificate file that cannot be read, is a UsageError.
 */
export function parsePgUrl(text: string): { location: PgLocation; password?: string } {
  const shown = redactUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${shown}" is not a PostgreSQL URL.`, { hint: FORM_HINT });
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new UsageError(`"${shown}" is not a PostgreSQL URL (it starts with ${url.protocol}//).`, { hint: FORM_HINT });
  }
  const params: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    // Certificate paths are kept absolute: a resume from another directory, pg_dump and hooks find them.
    if (!LOCATION_KEYS.has(k)) params[k] = FILE_PARAMS.has(k) && v !== "system" && v !== "" ? resolve(v) : v;
  });
  const mode = params["sslmode"];
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode)) throw badSslMode(mode, shown);
  if (mode === "verify-ca" && !params["sslrootcert"]) {
    throw new UsageError(`The URL ${shown} has sslmode=verify-ca without sslrootcert.`, {
      hint: "Add sslrootcert=/path/to/ca.pem naming the CA that signed the server's certificate (for Aurora, the RDS CA bundle of its region).",
    });
  }
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    // useLibpqCompat: sslmode means what libpq says it means (checked again at connect time).
    // sslrootcert=system names the system's trust store, not a file pg-connection-string could read.
    let readable = text;
    if (url.searchParams.get("sslrootcert") === "system") {
      const copy = new URL(text);
      copy.searchParams.delete("sslrootcert");
      readable = copy.toString();
    }
    parsed = parseConnectionString(readable, { useLibpqCompat: true });
  } catch (err) {
    throw unreadableParameter(err, shown);
  }
  // pg-connection-string decodes the path with decodeURI, which leaves %23 (#), %2F (/)… encoded:
  // the database name is decoded whole here, so any name round-trips through formatPgUrl.
  const database = url.searchParams.get("dbname") ?? decodeURIComponent(url.pathname.replace(/^\//, ""));
  const user = parsed.user ?? "";
  const host = parsed.host ?? "";
  const problems: string[] = [];
  if (!host) problems.push("a host");
  if (!database) problems.push("a database name (/dbname)");
  if (!user) problems.push("a user name (user@)");
  if (problems.length) {
    throw new UsageError(`The URL ${shown} lacks ${problems.join(", ")}.`, { hint: FORM_HINT });
  }
  const port = parsed.port ? Number(parsed.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`The URL ${shown} has port ${String(parsed.port)}, which is not a TCP port.`, { hint: FORM_HINT });
  }
  const location: PgLocation = { host, port, database, user, params };
  const password = parsed.password ? parsed.password : undefined;
  return password === undefined ? { location } : { location, password };
}

/** pg-connection-string reads sslrootcert/sslcert/sslkey at once; a missing file is the user's to fix. */
function unreadableParameter(err: unknown, shown: string): UsageError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "ENOENT" || e.code === "EACCES" || e.code === "EISDIR") {
    return new UsageError(`The URL ${shown} names a certificate or key file that cannot be read: ${e.path ?? "?"} (${e.code}).`, {
      hint: "Check the path given in sslrootcert, sslcert or sslkey (an absolute path is safest) and that this user can read it.",
    });
  }
  return new UsageError(`The URL ${shown} cannot be used: ${e.message}`, { hint: FORM_HINT });
}

/** The URL for a location, without any password: safe for state files, logs and --json. */
export function formatPgUrl(loc: PgLocation): string {
  const host = loc.host.includes(":") ? `[${loc.host}]` : loc.host;
  const query = new URLSearchParams(loc.params).toString();
  return `postgres://${encodeURIComponent(loc.user)}@${host}:${loc.port}/${encodeURIComponent(loc.database)}${query ? `?${query}` : ""}`;
}

/** A URL with the password removed, for recording. */
export function stripPassword(text: string): string {
  return formatPgUrl(parsePgUrl(text).location);
}

/** `user@host:port/db`, the short form used in messages. */
export function describeLocation(loc: PgLocation): string {
  return `${loc.user}@${loc.host}:${loc.port}/${loc.database}`;
}
