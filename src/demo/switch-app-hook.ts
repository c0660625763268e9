/**
 * The demo's switch hook: `node dist/demo/switch-app-hook.js <file>` points the demo's app at
 * the new database, as a deploy would. It grants the app's role its rights there (the built-in
 * schema load leaves privileges out) and writes DATABASE_URL — the target, which the cutover
 * puts in the hook's environment — to the file the app watches.
 */
import { writeFile } from "node:fs/promises";
import { connectPg } from "../adapters/postgres/connect.js";
import { parsePgUrl } from "../adapters/postgres/url.js";
import { APP_GRANTS_SQL, APP_ROLE } from "./schema.js";

async function main(): Promise<void> {
  const url = process.env["DATABASE_URL"];
  const file = process.argv[2];
  if (!url || !file) throw new Error("usage: DATABASE_URL=… node switch-app-hook.js <file the app watches>");
  const { location, password } = parsePgUrl(url);
  const client = await connectPg(location, password ?? process.env["PGPASSWORD"], { applicationName: "demo-switch-hook" });
  try {
    await client.query(APP_GRANTS_SQL);
  } finally {
    await client.end();
  }
  process.stdout.write(`granted role ${APP_ROLE} its rights on the new database\n`);
  await writeFile(file, `${url}\n`);
  process.stdout.write(`the app's database URL now points at ${location.host}:${location.port}/${location.database}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
