import pg from "pg";
import { OperationError, type AppError } from "../../core/errors.js";
import { type TlsSetting, explainTlsError, shouldFallBack, tlsPlan } from "./tls.js";
import { type PgLocation, describeLocation } from "./url.js";

export type PgClient = pg.Client;

export interface ConnectOptions {
  /** Tagged on the session so the tool's own connections are recognisable (and never killed). */
  applicationName?: string;
  /** statement_timeout for this session, in ms; 0 = none. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * `"database"` opens a logical replication connection (a walsender) that accepts both SQL
   * and replication commands such as CREATE_REPLICATION_SLOT, through the simple query protocol.
   */
  replication?: "database";
}

export const APPLICATION_NAME = "aurora-migrate";

/**
 * Opens a session. Without a password, pg itself falls back to PGPASSWORD and ~/.pgpass.
 * Failures become an OperationError that says what happened and what to do.
 */
export async function connectPg(loc: PgLocation, password: string | undefined, options: ConnectOptions = {}): Promise<PgClient> {
  const plan = tlsPlan(loc);
  try {
    return await attempt(loc, password, options, plan.first);
  } catch (err) {
    // libpq's prefer (TLS, else plain) and allow (plain, else TLS).
    if (plan.fallback === undefined || !shouldFallBack(plan, err)) throw explainConnectError(err, loc);
    try {
      return await attempt(loc, password, options, plan.fallback);
    } catch (second) {
      throw explainConnectError(second, loc);
    }
  }
}

async function attempt(loc: PgLocation, password: string | undefined, options: ConnectOptions, ssl: TlsSetting): Promise<PgClient> {
  const client = new pg.Client({
    host: loc.host,
    port: loc.port,
    database: loc.database,
    user: loc.user,
    ...(password === undefined ? {} : { password }),
    ssl,
    application_name: options.applicationName ?? APPLICATION_NAME,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    // pg supports the startup parameter; its type declarations do not list it.
    ...(options.replication ? ({ replication: options.replication } as pg.ClientConfig) : {}),
  });
  // An idle session dropped by the server must not crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** True when the server wants a password we did not have (so asking for one may help). */
export function needsPassword(err: unknown): boolean {
  const e = (err as { cause?: unknown }).cause ?? err;
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message : "";
  return code === "28P01" || /password must be a string|no password/i.test(msg);
}

export function explainConnectError(err: unknown, loc: PgLocation): AppError {
  const e = err as { code?: string; message?: string };
  const where = describeLocation(loc);
  const msg = e.message ?? String(err);
  const make = (what: string, hint: string): OperationError => new OperationError(`Cannot connect to ${where}: ${what}`, { hint, cause: err });
  const tls = explainTlsError(err, loc);
  if (tls) return make(tls.what, tls.hint);
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return make(`the host name ${loc.host} does not resolve.`, "Check the host in the URL, and that this machine's DNS resolves it.");
  if (isUnreachable(err)) {
    return make(
      e.code === "ECONNREFUSED" ? "nothing accepts connections there." : `the connection did not get through (${e.code ?? msg}).`,
      `Check that PostgreSQL runs on ${loc.host}:${loc.port}, that listen_addresses includes this address, and that no firewall or security group between here and the server blocks the port.`,
    );
  }
  switch (e.code) {
    case "28P01":
      return make("password authentication failed.", `Check the password for ${loc.user} (URL, PGPASSWORD or ~/.pgpass).`);
    case "28000":
      return make(msg, `Add a pg_hba.conf line that lets ${loc.user} reach database ${loc.database} from this machine, then reload PostgreSQL (SELECT pg_reload_conf();).`);
    case "3D000":
      return make(`database "${loc.database}" does not exist.`, "Check the database name at the end of the URL.");
    default:
      break;
  }
  if (/password must be a string|no password/i.test(msg)) {
    return make("the server asks for a password and none was given.", "Put it in the URL, PGPASSWORD or ~/.pgpass, or run in a terminal to be asked.");
  }
  if (/SSL|TLS|certificate/i.test(msg)) {
    return make(msg, "Check sslmode in the URL: require, verify-ca and verify-full need TLS on the server; verify-ca and verify-full need sslrootcert naming the server's CA.");
  }
  return make(msg, "Check the URL and that the server is reachable from this machine.");
}

/** Codes of a connection that never reached a PostgreSQL server (refused, unroutable, timed out). */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * True when the failure is the network's (no such host, nothing listens, a firewall or security
 * group drops the packets, the connect timeout expired), not the server's answer. The cause of
 * an error from explainConnectError is looked at too.
 */
export function isUnreachable(err: unknown): boolean {
  const inner = err instanceof OperationError && err.cause !== undefined ? err.cause : err;
  const code = (inner as { code?: string }).code;
  const msg = inner instanceof Error ? inner.message : "";
  return (code !== undefined && UNREACHABLE_CODES.has(code)) || /timeout expired|connection timeout|Connection terminated unexpectedly/i.test(msg);
}
