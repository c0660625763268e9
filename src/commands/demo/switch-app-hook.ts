/**
 * The demo's switch hook: `node dist/commands/demo/switch-app-hook.js <file>` points the demo's app at
 * the new database, as a deploy would: it writes DATABASE_URL — the target, which the cutover
 * puts in the hook's environment — to the file the app watches, without its password (the app
 * has its own, in memory or from the environment, as apps do) and readable by its owner only.
 * It grants nothing: the app's privileges are already on the target, carried over by the
 * wizard's step 9.
 */
import { parsePgUrl, stripPassword } from "../../adapters/postgres/url.js";
import { writeTextAtomic } from "../../state/store.js";

async function main(): Promise<void> {
  const url = process.env["DATABASE_URL"];
  const file = process.argv[2];
  if (!url || !file) throw new Error("usage: DATABASE_URL=… node switch-app-hook.js <file the app watches>");
  const { location } = parsePgUrl(url);
  await writeTextAtomic(file, `${stripPassword(url)}\n`);
  process.stdout.write(`the app's database URL now points at ${location.host}:${location.port}/${location.database}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
