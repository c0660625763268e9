import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectPg, type PgClient } from "../../src/adapters/postgres/connect.js";
import { parsePgUrl } from "../../src/adapters/postgres/url.js";
import { systemClock } from "../../src/core/clock.js";
import { applyFreeze, liftFreeze, type FreezeIo } from "../../src/migration/cutover/freeze.js";
import { readFreezeFacts } from "../../src/migration/cutover/freeze-facts.js";
import { defaultFreezeRoles, planFreeze } from "../../src/migration/cutover/freeze-plan.js";
import type { FreezeRecord } from "../../src/migration/cutover/record.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";

// A server of its own: the freeze changes database ACLs and roles are server-wide, so it
// must not touch roles other test files create on the shared servers.
let server: PgServer;
let db: string;
let n = 0;

beforeAll(async () => {
  server = await startPgServer({ name: "cutover-freeze" });
  await server.sql("CREATE ROLE app_rw LOGIN; CREATE ROLE app_ro LOGIN; CREATE ROLE reporting LOGIN; CREATE ROLE dms_user LOGIN REPLICATION; CREATE ROLE grp NOLOGIN; CREATE ROLE via_grp LOGIN IN ROLE grp; CREATE ROLE grp_peer LOGIN IN ROLE grp");
});
afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  n += 1;
  db = `app${n}`;
  await server.createDatabase(db);
  await server.sql(`CREATE TABLE items (id serial PRIMARY KEY, note text); GRANT ALL ON items, items_id_seq TO PUBLIC`, db);
});

const urlAs = (user: string): string => server.url(db, user);

async function tool(): Promise<PgClient> {
  return connectPg(parsePgUrl(urlAs("postgres")).location, undefined);
}

async function appClient(user: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: urlAs(user), application_name: "shop" });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

async function canConnect(user: string): Promise<boolean> {
  try {
    const c = await appClient(user);
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** The database's privileges and per-role settings, in a comparable form. */
async function privilegesAndSettings(): Promise<{ acl: string[]; settings: string[]; login: string[] }> {
  const acl = await server.sql<{ e: string }>(
    `SELECT a.grantee::regrole::text || ':' || a.privilege_type || ':' || a.is_grantable AS e
       FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a WHERE d.datname = '${db}' ORDER BY 1`,
  );
  const settings = await server.sql<{ e: string }>(
    `SELECT coalesce(s.setrole::regrole::text, '-') || ':' || array_to_string(s.setconfig, ',') AS e
       FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = '${db}' ORDER BY 1`,
  );
  const login = await server.sql<{ e: string }>("SELECT rolname || ':' || rolcanlogin AS e FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1");
  return { acl: acl.map((r) => r.e), settings: settings.map((r) => r.e), login: login.map((r) => r.e) };
}

async function freeze(client: PgClient, roles: string[], saves: FreezeRecord[] = []): Promise<{ record: FreezeRecord; io: FreezeIo }> {
  const facts = await readFreezeFacts(client);
  const plan = planFreeze(facts, roles);
  expect(plan.problems).toEqual([]);
  const record: FreezeRecord = { method: "roles", database: db, roles, changes: plan.changes.map((change) => ({ change, status: "planned" })), status: "applying", terminated: [] };
  const io: FreezeIo = {
    client,
    clock: systemClock,
    save: () => {
      saves.push(structuredClone(record));
      return Promise.resolve();
    },
    runSourceHook: () => Promise.reject(new Error("no hooks here")),
    say: () => undefined,
  };
  await applyFreeze(io, record);
  return { record, io };
}

describe("write freeze on the source", () => {
  it("GIVEN app roles that connect through PUBLIC and their own grant, a kept role and a prior read-only setting WHEN frozen and lifted THEN they were locked out meanwhile and privileges, settings and logins are back exactly", async () => {
    await server.sql(`GRANT CONNECT ON DATABASE ${db} TO app_rw WITH GRANT OPTION; ALTER ROLE app_ro IN DATABASE ${db} SET default_transaction_read_only = off`);
    const before = await privilegesAndSettings();
    const client = await tool();
    try {
      const { record, io } = await freeze(client, ["app_rw", "app_ro"]);
      expect(await canConnect("app_rw")).toBe(false);
      expect(await canConnect("app_ro")).toBe(false);
      // Roles that keep access keep it, though PUBLIC lost CONNECT: DMS's login, a reporting role.
      expect(await canConnect("reporting")).toBe(true);
      expect(await canConnect("dms_user")).toBe(true);
      expect((await privilegesAndSettings()).settings).toContain("app_ro:default_transaction_read_only=on");

      await liftFreeze(io, record);
      expect(await privilegesAndSettings()).toEqual(before);
      expect(await canConnect("app_rw")).toBe(true);
      expect(record.status).toBe("lifted");
    } finally {
      await client.end();
    }
  });

  it("GIVEN open sessions of an app role and of the tool WHEN frozen THEN the app's is ended and the tool's still answers", async () => {
    const app = await appClient("app_rw");
    const toolSession = await tool();
    const client = await tool();
    try {
      const appPid = (await app.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const { record } = await freeze(client, ["app_rw"]);
      expect(record.terminated.map((t) => t.pid)).toEqual([appPid]);
      await expect(app.query("SELECT 1")).rejects.toThrow();
      expect((await toolSession.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
    } finally {
      await Promise.all([app.end().catch(() => undefined), toolSession.end(), client.end()]);
    }
  });

  it("GIVEN a frozen source WHEN the app role reconnects or its old session turns default_transaction_read_only off and inserts THEN nothing is written", async () => {
    const app = await appClient("app_ro");
    const client = await tool();
    try {
      await freeze(client, ["app_ro"]);
      await expect(app.query("SET default_transaction_read_only = off; INSERT INTO items (note) VALUES ('old session')")).rejects.toThrow();
      await expect(appClient("app_ro")).rejects.toThrow(/permission denied for database/);
      const rows = await server.sql<{ n: string }>("SELECT count(*) AS n FROM items", db);
      expect(rows[0]?.n).toBe("0");
    } finally {
      await app.end().catch(() => undefined);
      await client.end();
    }
  });

  it("GIVEN a role that connects through a group other roles share WHEN frozen THEN it is set NOLOGIN, the group's other member still connects, and lifting gives it LOGIN back", async () => {
    await server.sql(`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC; GRANT CONNECT ON DATABASE ${db} TO grp`);
    const before = await privilegesAndSettings();
    const client = await tool();
    try {
      const { record, io } = await freeze(client, ["via_grp"]);
      expect(record.changes.map((c) => c.change.kind)).toEqual(["read-only-default", "nologin"]);
      expect(await canConnect("via_grp")).toBe(false);
      expect(await canConnect("grp_peer")).toBe(true);
      await liftFreeze(io, record);
      expect(await privilegesAndSettings()).toEqual(before);
    } finally {
      await client.end();
    }
  });

  it("GIVEN the freeze is applied THEN each change was saved as planned before it ran", async () => {
    const client = await tool();
    const saves: FreezeRecord[] = [];
    try {
      const { record, io } = await freeze(client, ["app_rw", "app_ro"], saves);
      record.changes.forEach((_, i) => {
        const firstApplied = saves.findIndex((s) => s.changes[i]?.status === "applied");
        expect(firstApplied).toBeGreaterThan(0);
        expect(saves[firstApplied - 1]?.changes[i]?.status).toBe("planned");
      });
      await liftFreeze(io, record);
    } finally {
      await client.end();
    }
  });

  it("GIVEN the roles on the server THEN the default freeze takes login roles that can connect, not the tool, superusers or REPLICATION roles", async () => {
    const client = await tool();
    try {
      const facts = await readFreezeFacts(client);
      expect(defaultFreezeRoles(facts).sort()).toEqual(["app_ro", "app_rw", "grp_peer", "reporting", "via_grp"]);
    } finally {
      await client.end();
    }
  });
});
