/**
 * The demo's schema hook: `node dist/commands/demo/apply-schema-hook.js` loads the demo app's schema
 * into the database in DATABASE_URL (as the wizard's hook method runs it: the target's
 * connection in DATABASE_URL and PG*). It stands for an app's own schema tool, e.g.
 * `bin/rails db:schema:load`, and is what the demo uses where no pg_dump is installed.
 */
import { connectPg } from "../../adapters/postgres/connect.js";
import { parsePgUrl } from "../../adapters/postgres/url.js";
import { DEMO_SCHEMA_SQL } from "./schema.js";

async function main(): Promise<void> {
  const url = process.env["DATABASE_URL"];
  if (!url) throw new Error("DATABASE_URL is not set.");
  const { location, password } = parsePgUrl(url);
  const client = await connectPg(location, password ?? process.env["PGPASSWORD"], { applicationName: "demo-schema-hook" });
  try {
    await client.query(DEMO_SCHEMA_SQL);
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'app'");
    process.stdout.write(`demo schema loaded: ${rows[0]?.n ?? "?"} tables in schema app\n`);
  } finally {
    await client.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
