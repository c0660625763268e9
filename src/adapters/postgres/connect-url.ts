import { type ConnectOptions, type PgClient, connectPg } from "./connect.js";
import { parsePgUrl } from "./url.js";

/**
 * Opens a session for a URL given on the command line (`--source`, `--target`). A password
 * in the URL is used for this session only; otherwise pg falls back to PGPASSWORD/~/.pgpass.
 */
export function connectUrl(url: string, options: ConnectOptions = {}): Promise<PgClient> {
  const { location, password } = parsePgUrl(url);
  return connectPg(location, password, options);
}
