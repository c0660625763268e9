/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line, e.g.
 * `npm run bench -- sequences`). Each benchmark reports ratios against a baseline measured in
 * the same script, never an absolute time judged on its own.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface BenchModule {
  /** One line: what is measured against what. */
  title: string;
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filter.length === 0 || filter.some((name) => f.includes(name)))
  .sort();

if (files.length === 0) console.log(filter.length ? `No benchmark matches ${filter.join(", ")}.` : "No benchmarks yet.");
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: BenchModule };
  console.log(`\n== ${file}: ${mod.default.title}`);
  await mod.default.run();
}
