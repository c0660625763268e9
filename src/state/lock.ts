import { randomBytes } from "node:crypto";
import { link, open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { OperationError } from "../core/errors.js";
import { stateDirectoryError } from "./store.js";

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

/**
 * A lock file that cannot be read and is younger than this is one another run is writing
 * right now (earlier versions created it empty, then filled it): held, not stale.
 */
const BEING_WRITTEN_MS = 10_000;
const ATTEMPTS = 20;

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
 * Takes `<state>.lock` so two runs never write one state file. The lock file appears whole or
 * not at all (written aside, then hard-linked into place, which fails if it exists), so a run
 * never sees another's lock half-written and takes it for stale. A lock left by a process that
 * no longer runs on this host is stale and taken over (removeStale).
 */
export async function acquireLock(statePath: string, command: string): Promise<StateLock> {
  const path = `${statePath}.lock`;
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createWhole(path, JSON.stringify(info), statePath)) return held(path);
    const holder = await readLock(path);
    if (holder === "missing") continue; // released meanwhile: try again
    if (holder === "unreadable") {
      if (await youngerThan(path, BEING_WRITTEN_MS)) throw busy(statePath, path, "another run is taking it right now");
    } else if (holder.host !== info.host || isAlive(holder.pid)) {
      throw busy(statePath, path, `${holder.command}, pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`);
    }
    await removeStale(path, holder, statePath);
  }
  throw new OperationError(`Could not take the lock ${path}.`, { hint: `Delete ${path} if no other run is active.` });
}

function busy(statePath: string, path: string, who: string): OperationError {
  return new OperationError(`Another aurora-migrate run (${who}) is using ${statePath}.`, {
    hint: `Wait for it to finish. If it is no longer running, delete ${path} and try again.`,
  });
}

function held(path: string): StateLock {
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      await unlink(path).catch(() => undefined);
    },
  };
}

/** Creates `path` holding `body`, atomically; false when it exists already. */
async function createWhole(path: string, body: string, statePath: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(aside, "wx", 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(aside, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // A file system without hard links: O_EXCL, as before (the lock is briefly empty there).
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") return createExclusive(path, body, statePath);
    throw stateDirectoryError(err, statePath) ?? err;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

async function createExclusive(path: string, body: string, statePath: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx", 0o600);
    await handle.writeFile(body);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw stateDirectoryError(err, statePath) ?? err;
  }
}

async function youngerThan(path: string, ms: number): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && Date.now() - s.mtimeMs < ms;
}

/**
 * Deletes a stale lock, under a short-lived second lock (`<lock>.takeover`) so that of several
 * runs taking over the same stale lock at once, none deletes the fresh lock another has just
 * put in its place: the lock is read again under it, and deleted only if it is still the one
 * judged stale. A run that finds the takeover busy waits a moment and starts over.
 */
async function removeStale(path: string, judged: LockInfo | "unreadable", statePath: string): Promise<void> {
  const takeover = `${path}.takeover`;
  if (!(await createWhole(takeover, JSON.stringify({ pid: process.pid, host: hostname() }), statePath))) {
    // Held by another run for a moment; one left behind by a crash is old, and removed.
    if (!(await youngerThan(takeover, BEING_WRITTEN_MS))) await unlink(takeover).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
    return;
  }
  try {
    if (sameLock(await readLock(path), judged)) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(takeover).catch(() => undefined);
  }
}

function sameLock(now: LockInfo | "missing" | "unreadable", judged: LockInfo | "unreadable"): boolean {
  if (now === "missing" || judged === "unreadable" || now === "unreadable") return now === judged;
  return now.pid === judged.pid && now.host === judged.host && now.startedAt === judged.startedAt && now.command === judged.command;
}

async function readLock(path: string): Promise<LockInfo | "missing" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockInfo>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? "?"), command: String(parsed.command ?? "aurora-migrate") };
    }
  } catch {
    // not JSON: unreadable
  }
  return "unreadable";
}
