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

/**
 * `tables` tables of `rows` rows each, generated inside the server (about 90 bytes a row, so
 * 4 × 2.5M ≈ 1 GB): the same content for the same arguments on any server.
 */
export function tableSetSql(tables: number, rows: number): string {
  const out: string[] = [];
  for (let i = 1; i <= tables; i += 1) {
    out.push(`CREATE TABLE public.load_${i} (id bigint PRIMARY KEY, a integer, b integer, c text, d timestamptz)`);
    out.push(`INSERT INTO public.load_${i} SELECT g, (g::bigint * 7919) % 1000003, g % 1000, md5(g::text), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, ${rows}) g`);
  }
  return out.join(";\n");
}

export async function databaseSize(server: PgServer, database: string): Promise<string> {
  const [row] = await server.sql<{ s: string }>(`SELECT pg_size_pretty(pg_database_size('${database}')) AS s`);
  return row!.s;
}
