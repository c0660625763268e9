#!/usr/bin/env node
// Thin launcher: all behaviour lives in the compiled library, built by `npm run build`
// (tsc into dist/, then esbuild bundles the CLI into dist/bundle/ so it starts fast).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/bundle/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("aurora-migrate is not built yet: run `npm run build` in " + fileURLToPath(new URL("..", import.meta.url)) + "\n");
  process.exit(1);
}
const { run } = await import(entry.href);
await run();
