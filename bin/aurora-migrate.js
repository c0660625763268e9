#!/usr/bin/env node
// Thin launcher: all behaviour lives in the compiled library (dist/), built by `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("aurora-migrate is not built yet: run `npm run build` in " + fileURLToPath(new URL("..", import.meta.url)) + "\n");
  process.exit(1);
}
const { run } = await import(entry.href);
await run();
