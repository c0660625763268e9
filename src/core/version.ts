import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
/** The package version, read once from package.json (works from src/, dist/ and dist/bundle/: the bundle keeps dist's import.meta.url). */
export const VERSION: string = (require("../../package.json") as { version: string }).version;
