import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { OperationError } from "../errors.js";

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface StateLock {
  readonly path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<state>.lock` with O_EXCL so two runs never write one state file. A lock left by a
 * process that no longer runs on this host is stale and taken over.
 */
export async function acquireLock(statePath: string, command: string): Promise<StateLock> {
  const path = `${statePath}.lock`;
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(JSON.stringify(info));
      await handle.close();
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = await readLockInfo(path);
      if (holder && (holder.host !== info.host || isAlive(holder.pid))) {
        throw new OperationError(
          `Another aurora-migrate run (${holder.command}, pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) is using ${statePath}.`,
          {
            hint: `Wait for it to finish. If it is no longer running, delete ${path} and try again.`,
          },
        );
      }
      // Stale (the process is gone) or unreadable: remove and retry once.
      await unlink(path).catch(() => undefined);
    }
  }
  throw new OperationError(`Could not take the lock ${path}.`, { hint: `Delete ${path} if no other run is active.` });
}

async function readLockInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<LockInfo>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return {
        pid: parsed.pid,
        host: parsed.host,
        startedAt: String(parsed.startedAt ?? "?"),
        command: String(parsed.command ?? "aurora-migrate"),
      };
    }
  } catch {
    // unreadable lock: treated as stale
  }
  return undefined;
}
