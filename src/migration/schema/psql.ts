import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PgLocation } from "../../adapters/postgres/url.js";
import { OperationError } from "../../core/errors.js";
import { toolEnv } from "../../adapters/postgres/env.js";

/**
 * The statement that ends at (or spans) 1-based `line`: from there back to the blank line
 * or comment before it. psql reports the line where the failing statement ended.
 */
export function statementAt(script: string, line: number): string {
  const lines = script.split("\n");
  let start = Math.min(line, lines.length) - 1;
  while (start > 0 && lines[start - 1]!.trim() !== "" && !lines[start - 1]!.startsWith("--")) start -= 1;
  return lines.slice(start, line).join("\n").trim();
}

/**
 * Runs a SQL script (pg_dump output, `\restrict` included) through psql in one transaction,
 * stopping at the first error. The error names the failing statement.
 */
export async function runPsqlScript(psql: string, loc: PgLocation, password: string | undefined, script: string, what: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "aurora-migrate-schema-"));
  const file = join(dir, "schema.sql");
  try {
    await writeFile(file, script, { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      execFile(
        psql,
        ["--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction", "--file", file],
        { env: toolEnv(loc, password), maxBuffer: 64 * 1024 * 1024 },
        (err, _stdout, stderr) => {
          if (!err) {
            resolve();
            return;
          }
          const lineMatch = /psql:[^\n]*?:(\d+): (ERROR|FATAL):\s+([^\n]*)/.exec(stderr);
          const details = lineMatch ? ["Failing statement:", ...statementAt(script, Number(lineMatch[1])).split("\n").map((l) => `  ${l}`)] : stderr.trim().split("\n").slice(-10);
          reject(
            new OperationError(`Loading ${what} on the target failed: ${lineMatch ? lineMatch[3] : stderr.trim().split("\n").pop() ?? "psql failed"}`, {
              details,
              hint: "Nothing of this load was kept (it ran in one transaction). Fix the cause on the target (a missing extension or role, say) and resume.",
              cause: err,
            }),
          );
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
