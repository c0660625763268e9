import pg from "pg";
import { OperationError, type AppError } from "../../errors.js";
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

function sslOption(loc: PgLocation): pg.ClientConfig["ssl"] {
  const mode = loc.params["sslmode"];
  if (mode === undefined || mode === "disable" || mode === "allow" || mode === "prefer") return false;
  // require: encrypted, no CA check (libpq semantics); verify-*: full check.
  if (mode === "require") return { rejectUnauthorized: false };
  return { rejectUnauthorized: true };
}

/**
 * Opens a session. Without a password, pg itself falls back to PGPASSWORD and ~/.pgpass.
 * Failures become an OperationError that says what happened and what to do.
 */
export async function connectPg(loc: PgLocation, password: string | undefined, options: ConnectOptions = {}): Promise<PgClient> {
  const client = new pg.Client({
    host: loc.host,
    port: loc.port,
    database: loc.database,
    user: loc.user,
    ...(password === undefined ? {} : { password }),
    ssl: sslOption(loc),
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
    throw explainConnectError(err, loc);
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
  switch (e.code) {
    case "ECONNREFUSED":
      return make("nothing accepts connections there.", `Check that PostgreSQL runs on ${loc.host}:${loc.port}, that listen_addresses includes this address, and that no firewall blocks the port.`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return make(`the host name ${loc.host} does not resolve.`, "Check the host in the URL.");
    case "ETIMEDOUT":
      return make("the connection timed out.", "Check the host, port and any firewall or security group between here and the server.");
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
  if (/SSL/i.test(msg)) {
    return make(msg, "Check sslmode in the URL: ?sslmode=require needs SSL on the server; ?sslmode=disable turns it off.");
  }
  return make(msg, "Check the URL and that the server is reachable from this machine.");
}
