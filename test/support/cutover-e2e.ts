import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { APP_ROLE } from "../../src/commands/demo/schema.js";
import type { DemoServers } from "./demo-e2e.js";

/** The switch hook's process id, as the test's hook wrote it to `<dir>/switch.pid` (none yet: empty). */
export function hookPids(dir: string): number[] {
  try {
    return [Number(readFileSync(join(dir, "switch.pid"), "utf8").trim())];
  } catch {
    return [];
  }
}

/** Sends `sig` to a process group; false when it is gone (signal 0 only asks). */
export function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Whether a login with `config` gets in now (a frozen role does not). */
export async function canConnect(config: pg.ClientConfig): Promise<boolean> {
  const c = new pg.Client(config);
  c.on("error", () => undefined);
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** The demo's app role on the source: refused while the freeze is in force. */
export function appCanConnectToSource(d: DemoServers): Promise<boolean> {
  return canConnect({ host: "127.0.0.1", port: d.servers.source.port, user: APP_ROLE, database: "shop", ssl: { rejectUnauthorized: false } });
}

/** The cutover's record in a state file. */
export function cutoverRecord(statePath: string): { freeze?: { status: string }; switch?: { startedAt?: string; finishedAt?: string } } {
  const state = JSON.parse(readFileSync(statePath, "utf8")) as { outputs: Record<string, unknown> };
  return state.outputs["cutover"] ?? {};
}
