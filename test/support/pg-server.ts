/**
 * Throwaway PostgreSQL servers for tests, on top of the product's own (src/standin/pg-server.ts,
 * which `aurora-migrate demo` uses): initdb + pg_ctl from the installed PostgreSQL, a free port
 * on 127.0.0.1, a temp data directory, and (when tests run as root, which initdb refuses) an
 * unprivileged OS user. Never a mock.
 */
import pg from "pg";
import { freePort, installedServers, startLocalPgServer, type PgBinaries } from "../../src/standin/pg-server.js";
import type { SelfSignedCertificate } from "../../src/standin/tls-certificate.js";

export { freePort, installedServers, type PgBinaries };

export interface PgServerOptions {
  /** Shown in logs and the temp dir name. */
  name: string;
  /** wal_level=logical and room for slots (a DMS-ready source). Default true. */
  logical?: boolean;
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string | number>;
  /** Directory holding initdb/pg_ctl; default: the newest under /usr/lib/postgresql, or PG_BIN. */
  binDir?: string;
  /** SSL on, with a throwaway self-signed certificate (as Aurora: `sslmode=require` works, plain connections too), or the one given. */
  ssl?: boolean | SelfSignedCertificate;
}

export interface PgServer {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  readonly binDir: string;
  readonly major: number;
  /** URL of a database on this server as the bootstrap superuser `postgres` (trust auth). */
  url(database?: string, user?: string): string;
  /** Runs SQL as superuser on a database (default postgres). */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, database?: string): Promise<T[]>;
  /** Creates a fresh database (dropping one of that name first) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Appends settings to postgresql.conf and restarts. */
  restart(settings?: Record<string, string | number>): Promise<void>;
  /** Replaces pg_hba.conf and reloads. */
  setHba(lines: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Directory of the newest installed PostgreSQL's server binaries (PG_BIN wins). */
export function findPgBinDir(): string {
  const fromEnv = process.env["PG_BIN"];
  if (fromEnv) return fromEnv;
  const debian = installedServers().find((b) => b.origin === "debian");
  if (debian) return debian.binDir;
  throw new Error(
    "No PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PG_BIN). Install them: apt-get install postgresql (the .ci/run script does).",
  );
}

export async function startPgServer(options: PgServerOptions): Promise<PgServer> {
  const osUser = process.env["PG_TEST_OS_USER"];
  const server = await startLocalPgServer({
    name: options.name,
    binDir: options.binDir ?? findPgBinDir(),
    ...(options.logical === undefined ? {} : { logical: options.logical }),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.ssl ? { ssl: options.ssl } : {}),
    ...(osUser ? { osUser } : {}),
  });
  const sql = async <T extends pg.QueryResultRow>(text: string, database = "postgres"): Promise<T[]> => {
    const client = new pg.Client({ connectionString: server.url(database) });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name: server.name,
    port: server.port,
    dataDir: server.dataDir,
    binDir: server.binDir,
    major: server.major,
    url: (database, user) => server.url(database, user),
    sql,
    createDatabase: async (name) => {
      await server.createDatabase(name);
      return server.url(name);
    },
    restart: (settings) => server.restart(settings),
    setHba: (lines) => server.setHba(lines),
    stop: () => server.stop(),
  };
}

/** Connection details of the servers globalSetup shares across test files. */
export interface SharedServers {
  source: { port: number; binDir: string; dataDir: string; major: number };
  target: { port: number; binDir: string; dataDir: string; major: number };
}
