import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { OperationError } from "../../core/errors.js";

const run = promisify(execFile);

export interface PgTool {
  /** Absolute path of pg_dump. */
  pgDump: string;
  /** psql from the same installation (it understands what that pg_dump writes, `\restrict` included). */
  psql: string;
  major: number;
  version: string;
}

/** Directories that may hold PostgreSQL client tools: PATH, then Debian's /usr/lib/postgresql/N/bin. */
function candidateDirs(path: string | undefined): string[] {
  const dirs = (path ?? "").split(delimiter).filter(Boolean);
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    for (const entry of readdirSync(root)) dirs.push(join(root, entry, "bin"));
  }
  return [...new Set(dirs)];
}

async function versionOf(binary: string): Promise<{ major: number; version: string } | undefined> {
  try {
    const { stdout } = await run(binary, ["--version"]);
    const m = /\(PostgreSQL\)\s+((\d+)[.\d]*)/.exec(stdout);
    return m ? { version: m[1]!, major: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds a pg_dump that can dump a server of `sourceMajor` (its major must be at least the
 * server's) with a psql beside it. Among those, the newest not newer than `targetMajor`:
 * a newer pg_dump may write settings an older target does not know.
 */
export async function findPgDump(sourceMajor: number, targetMajor: number, path = process.env["PATH"]): Promise<PgTool> {
  const found: PgTool[] = [];
  const seenMajors: string[] = [];
  for (const dir of candidateDirs(path)) {
    const pgDump = join(dir, "pg_dump");
    if (!existsSync(pgDump)) continue;
    const v = await versionOf(pgDump);
    if (!v) continue;
    seenMajors.push(`${pgDump} (${v.version})`);
    const psqlHere = join(dir, "psql");
    if (v.major >= sourceMajor && existsSync(psqlHere)) found.push({ pgDump, psql: psqlHere, ...v });
  }
  if (found.length === 0) {
    const saw = seenMajors.length ? `Found only: ${seenMajors.join(", ")}.` : "No pg_dump was found on PATH or in /usr/lib/postgresql/*/bin.";
    throw new OperationError(`The built-in schema load needs pg_dump and psql of PostgreSQL ${sourceMajor} or newer (the source's major). ${saw}`, {
      hint: [
        `Install the client tools: Debian/Ubuntu \`sudo apt-get install postgresql-client-${sourceMajor}\` (from apt.postgresql.org if your release lacks it),`,
        `macOS \`brew install postgresql@${sourceMajor}\` (then add its bin directory to PATH).`,
        "Or choose the hook method and load the schema with your own tool (e.g. bin/rails db:schema:load).",
      ].join("\n"),
    });
  }
  const fitting = found.filter((t) => t.major <= targetMajor).sort((a, b) => b.major - a.major);
  return fitting[0] ?? found.sort((a, b) => a.major - b.major)[0]!;
}
