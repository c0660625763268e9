// ESLint 9 flat config (ESLint 8 and .eslintrc are end of life).
// `npm run lint` = eslint --max-warnings 0 src test bench; only .ts files are linted.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/**
 * The layers of src/, highest first (README, "Layout"). A file may import its own
 * layer and the layers below it, never one above: a back-arrow fails the lint.
 */
export const LAYERS = [
  "cli",
  "commands",
  "wizard",
  "steps",
  "migration",
  "standin",
  "adapters",
  "ui",
  "plan",
  "state",
  "core",
];

/** Deepest folder below a layer folder that gets the rule (src/adapters/postgres/source-facts is 2 today). */
const MAX_DEPTH = 6;

/** Node modules that do I/O: plan/ is pure, it computes and never touches the world. */
const IO_MODULES = [
  "fs",
  "fs/promises",
  "child_process",
  "cluster",
  "dgram",
  "dns",
  "dns/promises",
  "http",
  "http2",
  "https",
  "inspector",
  "net",
  "readline",
  "readline/promises",
  "tls",
  "worker_threads",
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * The `no-restricted-imports` options for a file `depth` folders below src/<layer>/.
 * Relative specifiers are matched by position: from src/<layer>/a/b.ts, `../../<other>/`
 * is src/<other>, while `../<other>/` is a sibling folder inside the layer and is fine.
 * (Rule options do not merge across config objects, so each file gets all its patterns here.)
 */
function importRules(layer, depth) {
  const up = `^(\\./)?(\\.\\./){${depth + 1}}`;
  const patterns = LAYERS.slice(0, LAYERS.indexOf(layer)).map((higher) => ({
    regex: `${up}${escape(higher)}(/|$)`,
    message: `${layer} may not import ${higher}: layers import only downward (see README, Layout)`,
  }));
  patterns.push({
    regex: `^(\\./)?(\\.\\./){${depth + 2},}test(/|$)`,
    message: "src may not import test/: test support depends on the product, never the other way.",
  });
  if (layer === "steps" && depth === 0) {
    patterns.push({
      regex: "^\\./",
      message:
        "A step may not import another step: steps share nothing, shared code lives in migration/ (see README, Layout)",
    });
  }
  const paths = [];
  if (layer === "plan") {
    const pure = "plan is pure: no I/O, no database, no AWS (see README, Layout)";
    for (const m of IO_MODULES) {
      // node:net's address checks (isIP...) are pure; its sockets are not.
      const allow = m === "net" ? { allowImportNames: ["isIP", "isIPv4", "isIPv6"] } : {};
      paths.push({ name: `node:${m}`, message: pure, ...allow }, { name: m, message: pure, ...allow });
    }
    patterns.push({ regex: "^(pg|pg-.*|@aws-sdk/.*)$", message: pure });
  }
  return ["error", { paths, patterns }];
}

const layering = LAYERS.flatMap((layer) =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
    name: `aurora-migrate/layers/${layer}/depth-${depth}`,
    files: [`src/${layer}/${"*/".repeat(depth)}*.ts`],
    rules: { "no-restricted-imports": importRules(layer, depth) },
  })),
);

export default defineConfig(
  { ignores: ["dist/", "node_modules/", "bin/", "coverage/", ".bench-tmp/", ".scratch/"] },
  {
    name: "aurora-migrate/typescript",
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='process'][property.name='exit']",
          message: "Only src/cli/main.ts may call process.exit: throw an AppError instead.",
        },
      ],
    },
  },
  {
    name: "aurora-migrate/process-exit-allowed",
    files: ["src/cli/main.ts", "bench/**/*.ts", "test/**/*.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    name: "aurora-migrate/tests",
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/unbound-method": "off" },
  },
  ...layering,
);
