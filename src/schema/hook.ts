import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { PgLocation } from "../adapters/postgres/url.js";
import { OperationError } from "../errors.js";
import { libpqEnv } from "./libpq-env.js";

export interface HookOptions {
  command: string;
  target: PgLocation;
  password: string | undefined;
  /** Each line the command prints (stdout and stderr), as it prints it. */
  onLine: (line: string, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
  cwd?: string;
  /** Masks secrets in what is shown or recorded (the command, its lines). */
  redact?: (text: string) => string;
}

/**
 * Runs the user's schema command (e.g. `bin/rails db:schema:load`) through the shell with the
 * target's connection in its environment (DATABASE_URL, PGHOST, PGPORT, PGDATABASE, PGUSER,
 * PGSSLMODE, PGPASSWORD). A non-zero exit fails with the command's last lines.
 */
export async function runSchemaHook(o: HookOptions): Promise<void> {
  const child = spawn("sh", ["-c", o.command], {
    env: libpqEnv(o.target, o.password),
    stdio: ["ignore", "pipe", "pipe"],
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const redact = o.redact ?? ((t: string) => t);
  const tail: string[] = [];
  const collect = (stream: "stdout" | "stderr") => (raw: string) => {
    const line = redact(raw);
    tail.push(line);
    if (tail.length > 20) tail.shift();
    o.onLine(line, stream);
  };
  createInterface({ input: child.stdout }).on("line", collect("stdout"));
  createInterface({ input: child.stderr }).on("line", collect("stderr"));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c));
  });
  if (code !== 0) {
    throw new OperationError(`The schema command \`${redact(o.command)}\` ${code === null ? "was killed" : `exited with code ${code}`}.`, {
      details: tail.length ? ["Its last lines:", ...tail.map((l) => `  ${l}`)] : [],
      hint: "Fix the command (it runs with DATABASE_URL and PG* variables pointing at the target), then resume; it runs again from the start.",
    });
  }
}
