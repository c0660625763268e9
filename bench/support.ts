/** Shared by the benchmarks: servers of their own, timing, and figures as ratios. */
import { performance } from "node:perf_hooks";
import { type PgServer, installedServers, startPgServer } from "../test/support/pg-server.js";

/** A source (the system's PostgreSQL, with pg_dump/psql) and a target of the newest other major when there is one. */
export async function startPair(settings: Record<string, string | number> = {}): Promise<{ source: PgServer; target: PgServer; stop: () => Promise<void> }> {
  const builds = installedServers();
  const sourceBuild = builds.find((b) => b.origin === "debian") ?? builds[0];
  const targetBuild = builds.find((b) => b !== sourceBuild && b.major > (sourceBuild?.major ?? 0)) ?? sourceBuild;
  const [source, target] = await Promise.all([
    startPgServer({ name: "bench-source", logical: false, settings, ...(sourceBuild ? { binDir: sourceBuild.binDir } : {}) }),
    startPgServer({ name: "bench-target", logical: false, settings, ...(targetBuild ? { binDir: targetBuild.binDir } : {}) }),
  ]);
  return { source, target, stop: async () => void (await Promise.all([source.stop(), target.stop()])) };
}

export async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fmt = (s: number): string => `${s.toFixed(2)} s`;
