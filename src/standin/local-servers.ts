/**
 * The two throwaway servers `aurora-migrate demo` migrates between: a source with
 * wal_level=logical (a DMS-ready self-managed server) and a target standing in for the Aurora
 * cluster. The source runs the distribution's PostgreSQL where there is one (its pg_dump and
 * psql match it), the target the newest other build there is, as real migrations go to a newer
 * major; on a machine with only Node and npm both run the npm package's build.
 *
 * The caller owns the servers: it must call `stop()` when done, and should register it for
 * Ctrl-C (SIGINT/SIGTERM) too. A process exit without it still stops them (last resort).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type LocalPgServer, type PgBinaries, installedServers, noServerBinariesError, startLocalPgServer } from "./pg-server.js";

export interface LocalServers {
  source: LocalPgServer;
  target: LocalPgServer;
  /** Directory of pg_dump/psql matching the source, when installed (Debian builds); else undefined. */
  clientBinDir: string | undefined;
  /** Stops both servers and removes their files. Idempotent; safe to call from a signal handler. */
  stop(): Promise<void>;
}

/** Which builds the source and the target run (pure, for a given list of installed builds). */
export function chooseBuilds(builds: readonly PgBinaries[]): { source: PgBinaries; target: PgBinaries } | undefined {
  const source = builds.find((b) => b.origin === "debian") ?? builds[0];
  if (!source) return undefined;
  const target = builds.find((b) => b !== source && b.major > source.major) ?? source;
  return { source, target };
}

export interface StartLocalServersOptions {
  /** Extra postgresql.conf settings for the source. */
  sourceSettings?: Record<string, string | number>;
  /** OS user for the servers when running as root (default `postgres`, else `nobody`). */
  osUser?: string;
  /**
   * The target too runs with wal_level=logical, so it can be a cdc task's source (the rollback
   * window's reverse task, as Aurora with rds.logical_replication = 1). Default false.
   */
  targetLogical?: boolean;
  /** Both servers serve TLS (self-signed), as Aurora does and as the wizard's sslmode=require defaults expect. Default false. */
  ssl?: boolean;
}

export async function startLocalServers(options: StartLocalServersOptions = {}): Promise<LocalServers> {
  const builds = chooseBuilds(installedServers());
  if (!builds) throw noServerBinariesError();
  const common = { ...(options.osUser ? { osUser: options.osUser } : {}), ...(options.ssl ? { ssl: true } : {}) };
  const started = await Promise.allSettled([
    startLocalPgServer({ name: "source", logical: true, binDir: builds.source.binDir, ...common, ...(options.sourceSettings ? { settings: options.sourceSettings } : {}) }),
    // The target applies CDC through a subscription: it needs logical replication workers
    // (on by default), not wal_level=logical, unless it is to be read back (targetLogical).
    startLocalPgServer({ name: "target", logical: options.targetLogical ?? false, binDir: builds.target.binDir, ...common }),
  ]);
  const servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failure.reason;
  }
  const [source, target] = servers as [LocalPgServer, LocalPgServer];
  const clientBinDir = builds.source.origin === "debian" && existsSync(join(builds.source.binDir, "pg_dump")) ? builds.source.binDir : undefined;
  let stopping: Promise<void> | undefined;
  return {
    source,
    target,
    clientBinDir,
    stop: () => (stopping ??= Promise.all([source.stop(), target.stop()]).then(() => undefined)),
  };
}
