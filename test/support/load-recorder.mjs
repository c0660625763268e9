// `node --import <this file> …`: records every module specifier the process resolves, and the
// URL it resolved to, one JSON line each in the file named by AM_LOAD_LOG (see
// test/e2e/status-loads.test.ts). Resolve hooks run on Node's loader thread: appendFileSync there.
import { register } from "node:module";

if (process.env.AM_LOAD_LOG) {
  const hooks = `
    import { appendFileSync } from "node:fs";
    let log;
    export function initialize(data) { log = data.log; }
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(log, JSON.stringify({ specifier, url: resolved.url }) + "\\n");
      return resolved;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url, { data: { log: process.env.AM_LOAD_LOG } });
}
