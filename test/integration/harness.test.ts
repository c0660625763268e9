import { describe, expect, it } from "vitest";
import { freshDatabase, sharedServerInfo } from "../support/databases.js";

describe("test harness", () => {
  it("GIVEN the shared source server WHEN asked for wal_level THEN it is logical (a DMS-ready source)", async () => {
    const db = await freshDatabase("source");
    const rows = await db.sql<{ wal_level: string }>("SHOW wal_level");
    expect(rows[0]?.wal_level).toBe("logical");
    await db.drop();
  });

  it("GIVEN the shared target server THEN it is a separate server on its own port", async () => {
    expect(sharedServerInfo("target").port).not.toBe(sharedServerInfo("source").port);
    const db = await freshDatabase("target");
    const rows = await db.sql<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(sharedServerInfo("target").major * 10000);
    await db.drop();
  });
});
