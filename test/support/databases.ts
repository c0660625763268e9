import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export type ServerRole = "source" | "target";

/** A database of its own on one of the shared servers, for one test file or test. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Runs SQL as the superuser in this database. */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  /** URL of this database for another user (e.g. a role the test created). */
  urlAs(user: string, password?: string): string;
  drop(): Promise<void>;
}

export function sharedServerInfo(role: ServerRole): { port: number; major: number; binDir: string; dataDir: string } {
  return inject("pgServers")[role];
}

async function superuserSql<T extends pg.QueryResultRow>(port: number, database: string, text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named database on the shared source or target server. */
export async function freshDatabase(role: ServerRole, prefix = "t"): Promise<TestDatabase> {
  const { port } = sharedServerInfo(role);
  const name = `${prefix}_${randomBytes(4).toString("hex")}`.toLowerCase();
  await superuserSql(port, "postgres", `CREATE DATABASE "${name}"`);
  const urlAs = (user: string, password?: string): string =>
    `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ""}@127.0.0.1:${port}/${name}`;
  return {
    name,
    port,
    url: urlAs("postgres"),
    urlAs,
    sql: (text, values) => superuserSql(port, name, text, values),
    drop: async () => {
      await superuserSql(port, "postgres", `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
