import { performance } from "node:perf_hooks";
import type { DataScanFact, InfinityFact, LobMaxFact, TableFact } from "../../../plan/preflight/facts.js";
import { isLobColumn } from "../../../plan/preflight/lob-types.js";
import { quoteIdent } from "../../../plan/sql-text.js";
import type { CountingClient } from "./counting-client.js";

const INFINITY_TYPES = new Set(["date", "timestamp", "timestamptz"]);



/** A dollar-quoted literal whose tag cannot occur in the text. */
function dollarQuote(text: string): string {
  let tag = "scan";
  while (text.includes(`$${tag}$`)) tag += "_";
  return `$${tag}$${text}$${tag}$`;
}

interface Probe {
  table: TableFact;
  lobs: { alias: string; column: string; type: string }[];
  infinities: { alias: string; column: string; type: string }[];
  sql: string;
}

function probeFor(table: TableFact): Probe | undefined {
  const lobs: Probe["lobs"] = [];
  const infinities: Probe["infinities"] = [];
  const exprs: string[] = [];
  table.columns.forEach((c, i) => {
    const col = quoteIdent(c.name);
    if (isLobColumn(c)) {
      const alias = `l${i}`;
      // text/varchar/bytea measure as stored; the rest as the text DMS carries.
      const measured = !c.isArray && ["text", "varchar", "bytea"].includes(c.baseType) ? col : `${col}::text`;
      exprs.push(`max(octet_length(${measured})) AS ${alias}`);
      lobs.push({ alias, column: c.name, type: c.type });
    } else if (!c.isArray && INFINITY_TYPES.has(c.baseType)) {
      const alias = `i${i}`;
      exprs.push(`bool_or(NOT isfinite(${col})) AS ${alias}`);
      infinities.push({ alias, column: c.name, type: c.type });
    }
  });
  if (exprs.length === 0) return undefined;
  // ONLY: a partitioned parent is read through its partitions, which are listed themselves.
  const from = `${table.kind === "p" ? "" : "ONLY "}${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  return { table, lobs, infinities, sql: `SELECT ${exprs.join(", ")} FROM ${from}` };
}

/** `<l3>1234</l3>` → "1234" in query_to_xml's output; undefined for NULL (no value). */
function xmlValue(xml: string, alias: string): string | undefined {
  return new RegExp(`<${alias}>([^<]*)</${alias}>`).exec(xml)?.[1];
}

/**
 * Tables per statement. Every table a statement reads stays locked (AccessShareLock, with its
 * indexes) until the statement's transaction ends, and the server's lock table holds about
 * max_locks_per_transaction × max_connections locks (64 × 100 by default): 1,000 tables (about
 * 2,000 locks) stay well inside it. Up to that many tables the scan is one round trip.
 */
export const TABLES_PER_SCAN = 1000;

/**
 * The largest value of every LOB-type column and the date/time columns holding ±infinity, in
 * one statement per TABLES_PER_SCAN tables: query_to_xml runs each table's aggregate inside a
 * single SELECT. The whole scan is bounded by `timeoutMs` (each statement gets what is left,
 * as a SET LOCAL statement_timeout that lasts only for its implicit transaction). Tables the
 * login may not read are skipped and named.
 */
export async function scanData(db: CountingClient, tables: readonly TableFact[], timeoutMs: number): Promise<DataScanFact> {
  const skippedTables = tables.filter((t) => !t.selectable).map((t) => `${t.schema}.${t.name}`);
  const probes = tables.filter((t) => t.selectable && t.kind === "r").map(probeFor).filter((p): p is Probe => p !== undefined);
  if (probes.length === 0) return skippedTables.length ? { status: "done", lobMaxima: [], infinities: [], skippedTables } : { status: "not-needed" };
  const lobMaxima: LobMaxFact[] = [];
  const infinities: InfinityFact[] = [];
  const started = performance.now();
  for (let from = 0; from < probes.length; from += TABLES_PER_SCAN) {
    const batch = probes.slice(from, from + TABLES_PER_SCAN);
    const left = timeoutMs - (performance.now() - started);
    const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
    if (left <= 0) return { status: "failed", reason: `it did not finish within ${limit} (statement timeout)`, skippedTables };
    const list = JSON.stringify(batch.map((p, i) => ({ i, q: p.sql })));
    const text =
      `SET LOCAL statement_timeout = ${Math.max(1, Math.round(left))};\n` +
      `SELECT v.i, query_to_xml(v.q, false, false, '')::text AS x FROM json_to_recordset(${dollarQuote(list)}::json) AS v(i int, q text)`;
    let rows: { i: number; x: string }[];
    try {
      rows = await db.queryMulti<{ i: number; x: string }>("dataScan", text);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const reason = e.code === "57014" ? `it did not finish within ${limit} (statement timeout)` : (e.message ?? String(err));
      return { status: "failed", reason, skippedTables };
    }
    for (const row of rows) {
      const probe = batch[row.i]!;
      const where = { schema: probe.table.schema, table: probe.table.name };
      for (const l of probe.lobs) lobMaxima.push({ ...where, column: l.column, type: l.type, maxBytes: Number(xmlValue(row.x, l.alias) ?? 0) });
      for (const f of probe.infinities) if (xmlValue(row.x, f.alias) === "true") infinities.push({ ...where, column: f.column, type: f.type });
    }
  }
  return { status: "done", lobMaxima, infinities, skippedTables };
}
