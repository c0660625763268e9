import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { PgLocation } from "../../adapters/postgres/url.js";
import { OperationError } from "../../core/errors.js";
import { toolEnv } from "../../adapters/postgres/env.js";
import type { PgTool } from "./pg-tools.js";

const run = promisify(execFile);

export type DumpSection = "pre-data" | "post-data";

/** One entry of a plain-format dump: its `-- Name: …; Type: …; Schema: …` header and its SQL. */
export interface DumpEntry {
  name: string;
  type: string;
  schema: string;
  text: string;
}

export interface ParsedDump {
  /** The SET lines (and `\restrict`) before the first entry: every part must run after them. */
  preamble: string;
  entries: DumpEntry[];
  /** What follows the last entry (`\unrestrict`). */
  trailer: string;
}

/** A pg_dump pattern that matches exactly this schema name (quoted, wildcards escaped). */
export function exactSchemaPattern(schema: string): string {
  return `"${schema.replace(/"/g, '""').replace(/([*?])/g, "\\$1")}"`;
}

/** Runs pg_dump for one section of the schema of `schemas`; the password goes only into its environment. */
export async function dumpSchemaSection(tool: PgTool, loc: PgLocation, password: string | undefined, schemas: readonly string[], section: DumpSection): Promise<string> {
  const args = ["--schema-only", "--no-owner", "--no-privileges", `--section=${section}`, ...schemas.flatMap((s) => ["-n", exactSchemaPattern(s)])];
  try {
    const { stdout } = await run(tool.pgDump, args, { env: toolEnv(loc, password), maxBuffer: 512 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? (err as Error).message;
    throw new OperationError(`pg_dump ${tool.version} could not dump the source's schema (${section}).`, {
      details: stderr.split("\n").slice(-10),
      hint: "Check that the source login may read every object in the chosen schemas (pg_dump needs SELECT on their tables and sequences).",
      cause: err,
    });
  }
}

const HEADER = /^--\n-- Name: (.*?); Type: (.*?); Schema: (.*?); Owner: .*\n--\n/gm;

/**
 * Splits a plain-format dump at pg_dump's entry headers. The headers are pg_dump's own
 * table-of-contents lines, so this follows the dump's structure rather than guessing where
 * statements end (function bodies may hold any text).
 */
export function parseDump(text: string): ParsedDump {
  const matches = [...text.matchAll(HEADER)];
  if (matches.length === 0) return { preamble: text, entries: [], trailer: "" };
  const preamble = text.slice(0, matches[0]!.index);
  const entries: DumpEntry[] = [];
  let trailer = "";
  matches.forEach((m, i) => {
    const end = i + 1 < matches.length ? matches[i + 1]!.index : text.length;
    let body = text.slice(m.index, end);
    if (i === matches.length - 1) {
      // The last entry runs up to pg_dump's closing comment.
      const close = body.search(/^--\n-- PostgreSQL database dump complete\n--/m);
      if (close >= 0) {
        trailer = body.slice(close);
        body = body.slice(0, close);
      }
    }
    entries.push({ name: m[1]!, type: m[2]!, schema: m[3]!, text: body });
  });
  return { preamble, entries, trailer };
}

/**
 * `CREATE SCHEMA x;` fails on a target where the schema exists (public always does); in a
 * SCHEMA entry, and only there, it becomes `CREATE SCHEMA IF NOT EXISTS x;`.
 */
export function tolerateExistingSchemas(dump: ParsedDump): ParsedDump {
  return {
    ...dump,
    entries: dump.entries.map((e) => (e.type === "SCHEMA" ? { ...e, text: e.text.replace(/^CREATE SCHEMA (?!IF NOT EXISTS)/m, "CREATE SCHEMA IF NOT EXISTS ") } : e)),
  };
}

export function renderDump(dump: ParsedDump): string {
  return dump.preamble + dump.entries.map((e) => e.text).join("") + dump.trailer;
}

/**
 * The tool's own triggers on the app's tables (`aurora_migrate_…`, e.g. the key-change trigger
 * step 8 puts on the source) are not part of the app's schema: a dump taken after they exist
 * must not carry them to the target, where their function does not exist.
 */
export function withoutToolTriggers(dump: ParsedDump): ParsedDump {
  return { ...dump, entries: dump.entries.filter((e) => !(e.type === "TRIGGER" && /^CREATE (?:CONSTRAINT )?TRIGGER "?aurora_migrate_/m.test(e.text))) };
}
