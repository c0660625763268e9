import { UsageError } from "../../errors.js";

/** The parts of a PostgreSQL URL the tool uses. The password is never kept here. */
export interface PgLocation {
  host: string;
  port: number;
  database: string;
  user: string;
  /** `sslmode` and any other query parameters, as given. */
  params: Record<string, string>;
}

/**
 * Parses `postgres://user[:password]@host[:port]/db?sslmode=…`. Returns the location and the
 * password (if the URL carried one) separately, so the password can be kept in memory only.
 */
export function parsePgUrl(text: string): { location: PgLocation; password?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${redactUrl(text)}" is not a PostgreSQL URL.`, {
      hint: "Use the form postgres://user@host:5432/dbname (add ?sslmode=require for SSL).",
    });
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new UsageError(`"${redactUrl(text)}" is not a PostgreSQL URL (it starts with ${url.protocol}//).`, {
      hint: "Use the form postgres://user@host:5432/dbname.",
    });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(url.username);
  const problems: string[] = [];
  if (!url.hostname) problems.push("a host");
  if (!database) problems.push("a database name (/dbname)");
  if (!user) problems.push("a user name (user@)");
  if (problems.length) {
    throw new UsageError(`The URL ${redactUrl(text)} lacks ${problems.join(", ")}.`, {
      hint: "Use the form postgres://user@host:5432/dbname.",
    });
  }
  const port = url.port ? Number(url.port) : 5432;
  const params: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    params[k] = v;
  });
  const location: PgLocation = { host: url.hostname.replace(/^\[|\]$/g, ""), port, database, user, params };
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  return password === undefined ? { location } : { location, password };
}

/** The URL for a location, without any password: safe for state files, logs and --json. */
export function formatPgUrl(loc: PgLocation): string {
  const host = loc.host.includes(":") ? `[${loc.host}]` : loc.host;
  const query = new URLSearchParams(loc.params).toString();
  return `postgres://${encodeURIComponent(loc.user)}@${host}:${loc.port}/${encodeURIComponent(loc.database)}${query ? `?${query}` : ""}`;
}

/** `postgres://user:***@host/db`: for messages that show a URL a user typed. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");
}

/** A URL with the password removed, for recording. */
export function stripPassword(text: string): string {
  return formatPgUrl(parsePgUrl(text).location);
}

/** `user@host:port/db`, the short form used in messages. */
export function describeLocation(loc: PgLocation): string {
  return `${loc.user}@${loc.host}:${loc.port}/${loc.database}`;
}
