import { constants } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { type MigrationState, stateSchema } from "./schema.js";
import { upgradeState } from "./upgrade.js";

/** Reads, upgrades and validates a state file. Never writes to it. */
export async function readState(path: string): Promise<MigrationState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UsageError(`No state file at ${path}.`, {
        hint: "Start a migration with `aurora-migrate start`, or point --state at the file an earlier run wrote.",
      });
    }
    throw new UsageError(`Cannot read the state file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`The state file ${path} is not valid JSON (${(err as Error).message}); it may have been truncated or edited by hand.`, {
      hint: "It was left untouched. Restore it from a backup, or move it aside and start again.",
    });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`The state file ${path} does not hold a JSON object.`, { hint: "It was left untouched." });
  }
  const upgraded = upgradeState(raw as Record<string, unknown>, path);
  const parsed = stateSchema.safeParse(upgraded);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `- ${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new UsageError(`The state file ${path} does not match the expected shape:`, {
      details: problems,
      hint: "It was left untouched. Restore it from a backup, or move it aside and start again.",
    });
  }
  return parsed.data;
}

/**
 * Writes the state atomically: a temp file beside it (mode 0600), fsync, rename, fsync of the
 * directory. A crash leaves either the old or the new file, never half of one.
 */
export async function writeStateAtomic(path: string, state: MigrationState): Promise<void> {
  try {
    await writeTextAtomic(path, JSON.stringify(stateSchema.parse(state), null, 2) + "\n");
  } catch (err) {
    throw stateDirectoryError(err, path) ?? err;
  }
}

/**
 * The error to show when the state file's directory cannot be written (or does not exist):
 * the path and what to do, instead of a bare EACCES. Undefined for any other error.
 */
export function stateDirectoryError(err: unknown, statePath: string): UsageError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const dir = dirname(resolve(statePath));
  const elsewhere = `or pass --state with a path in a directory you can write to`;
  if (code === "EACCES" || code === "EPERM") {
    return new UsageError(`Cannot write in ${dir}: the directory is not writable for this user, and the state file ${basename(statePath)} and its lock live there.`, {
      cause: err,
      hint: `Make it writable (e.g. chmod u+w ${dir}, or run as its owner), ${elsewhere}.`,
    });
  }
  if (code === "EROFS") return new UsageError(`Cannot write in ${dir}: it is on a read-only file system.`, { cause: err, hint: `Choose another place: ${elsewhere}.` });
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new UsageError(`The directory ${dir} for the state file does not exist.`, { cause: err, hint: `Create it (mkdir -p ${dir}), ${elsewhere}.` });
  }
  return undefined;
}

/** Writes a whole text file atomically (mode 0600): temp file, fsync, rename, fsync of the directory. */
export async function writeTextAtomic(path: string, body: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(body, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dirHandle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  if (dirHandle) {
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}
