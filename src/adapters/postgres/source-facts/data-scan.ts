import { performance } from "node:perf_hooks";
import type { ColumnFact, InfinityFact, LobMaxFact } from "../../../plan/preflight/facts.js";
import { isLobColumn } from "../../../plan/preflight/lob-types.js";
import { qualified, quoteIdent } from "../../../plan/sql-text.js";
import type { TableColumns } from "./columns.js";
import type { CountingClient } from "./counting-client.js";

const INFINITY_TYPES = new Set(["date", "timestamp", "timestamptz"]);

/** A column the scan reads: its largest value (a LOB type) or whether it holds ±infinity (date/time). */
function scanned(c: ColumnFact): "lob" | "infinity" | undefined {
  if (isLobColumn(c)) return "lob";
  return !c.isArray && INFINITY_TYPES.has(c.baseType) ? "infinity" : undefined;
}

/** A dollar-quoted literal whose tag cannot occur in the text. */
function dollarQuote(text: string): string {
  let tag = "scan";
  while (text.includes(`$${tag}$`)) tag += "_";
  return `$${tag}$${text}$${tag}$`;
}

interface Probe {
  table: TableColumns;
  lobs: { alias: string; column: string; type: string }[];
  infinities: { alias: string; column: string; type: string }[];
  sql: string;
}

/** The aggregate query of a table that has at least one column the scan reads. */
function probeFor(table: TableColumns): Probe {
  const lobs: Probe["lobs"] = [];
  const infinities: Probe["infinities"] = [];
  const exprs: string[] = [];
  table.columns.forEach((c, i) => {
    const col = quoteIdent(c.name);
    const kind = scanned(c);
    if (kind === "lob") {
      const alias = `l${i}`;
      // text/varchar/bytea measure as stored; the rest as the text DMS carries.
      const measured = !c.isArray && ["text", "varchar", "bytea"].includes(c.baseType) ? col : `${col}::text`;
      exprs.push(`max(octet_length(${measured})) AS ${alias}`);
      lobs.push({ alias, column: c.name, type: c.type });
    } else if (kind === "infinity") {
      const alias = `i${i}`;
      exprs.push(`bool_or(NOT isfinite(${col})) AS ${alias}`);
      infinities.push({ alias, column: c.name, type: c.type });
    }
  });
  // ONLY: a partitioned parent is read through its partitions, which are listed themselves.
  const from = `${table.kind === "p" ? "" : "ONLY "}${qualified(table.schema, table.name)}`;
  // count(*) changes no answer but makes the query one the planner does not treat as "all
  // min/max aggregates" (max() and bool_or() both qualify): that path plans an index lookup
  // per aggregate, each opening the table's indexes again, which no column here could use.
  // About 7% of the scan on a fresh session (5,000 one-row tables: 350 → 325 ms).
  return { table, lobs, infinities, sql: `SELECT ${exprs.join(", ")}, count(*) AS n FROM ${from}` };
}

/**
 * The value of `alias` in query_to_xml's output (`<l3>1234</l3><i5>true</i5>`), undefined
 * when it is NULL (left out). Aliases are l/i and a number, never a prefix of one another's
 * tag once the `>` is included.
 */
function xmlValue(xml: string, alias: string): string | undefined {
  const open = `<${alias}>`;
  const at = xml.indexOf(open);
  if (at < 0) return undefined;
  const from = at + open.length;
  return xml.slice(from, xml.indexOf("<", from));
}

/**
 * Tables per statement, across all the scan's connections. Every table a statement reads stays
 * locked (AccessShareLock, with its indexes) until the statement's transaction ends, and the
 * server's lock table holds about max_locks_per_transaction × max_connections locks (64 × 100
 * by default): 1,000 tables (about 2,000 locks) stay well inside it. Up to that many tables the
 * scan is one round trip; on two connections each statement reads half as many.
 */
export const TABLES_PER_SCAN = 1000;

/** What the data scan found; the tables it could not read are added by the caller. */
export type ScanOutcome =
  | { status: "done"; lobMaxima: LobMaxFact[]; infinities: InfinityFact[] }
  | { status: "failed"; reason: string }
  | { status: "not-needed" };

interface BatchFound {
  lobMaxima: LobMaxFact[];
  infinities: InfinityFact[];
}

/**
 * The largest value of every LOB-type column and the date/time columns holding ±infinity, in
 * one statement per batch of tables: query_to_xml runs each table's aggregate inside a single
 * SELECT. Only tables with a column of such a type are read (the types come from the catalog;
 * row counts are never trusted to skip a table; a heap of no page at all is, see scanBatch).
 * Batches are shared out among `dbs`, each connection taking the next batch when its last one
 * is done. The whole scan is bounded by `timeoutMs` (each statement gets what is left, as a
 * SET LOCAL statement_timeout that lasts only for its implicit transaction). Tables the login
 * may not read are not read.
 */
export async function scanData(dbs: readonly CountingClient[], tables: readonly TableColumns[], timeoutMs: number): Promise<ScanOutcome> {
  const read = tables.filter((t) => t.selectable && t.kind === "r" && t.columns.some((c) => scanned(c) !== undefined));
  if (read.length === 0) return { status: "not-needed" };
  const perStatement = Math.max(1, Math.floor(TABLES_PER_SCAN / dbs.length));
  // Each batch's queries are written when a session takes it, not all up front: the first
  // statements leave sooner (5,000 tables' queries take 20-60 ms of JS to write), and the rest
  // are written while the server reads.
  const batches: TableColumns[][] = [];
  for (let from = 0; from < read.length; from += perStatement) batches.push(read.slice(from, from + perStatement));
  const found: BatchFound[] = [];
  const started = performance.now();
  const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
  let failure: string | undefined;
  let next = 0;
  const work = async (db: CountingClient): Promise<void> => {
    while (failure === undefined && next < batches.length) {
      const index = next++;
      const left = timeoutMs - (performance.now() - started);
      if (left <= 0) {
        failure = `it did not finish within ${limit} (statement timeout)`;
        return;
      }
      const result = await scanBatch(db, batches[index]!.map(probeFor), left, limit);
      if (typeof result === "string") failure ??= result;
      else found[index] = result;
    }
  };
  await Promise.all(dbs.slice(0, batches.length).map(work));
  if (failure !== undefined) return { status: "failed", reason: failure };
  return { status: "done", lobMaxima: found.flatMap((b) => b.lobMaxima), infinities: found.flatMap((b) => b.infinities) };
}

/**
 * One statement reading `batch`; what it found, or why it failed.
 *
 * A table whose heap has no page holds no row, so no value: its LOB maxima are 0 and it has
 * no ±infinity, exactly, without planning and running its query. pg_relation_size is the
 * size of the table's main fork as the server's storage manager sees it (under the same
 * AccessShareLock the query takes), not a catalog estimate; the query would also open the
 * table's indexes, plan and run an aggregate (5,000 empty tables on a fresh session: ~300 →
 * ~70 ms; 5,000 one-row tables: ~3% more). A table dropped since the catalog was read (NULL)
 * is queried and fails as before.
 */
async function scanBatch(db: CountingClient, batch: readonly Probe[], leftMs: number, limit: string): Promise<BatchFound | string> {
  const list = JSON.stringify(batch.map((p, i) => ({ i, r: qualified(p.table.schema, p.table.name), q: p.sql })));
  const text =
    `SET LOCAL statement_timeout = ${Math.max(1, Math.round(leftMs))};\n` +
    `SELECT v.i, CASE WHEN coalesce(pg_relation_size(to_regclass(v.r)), 1) > 0 THEN query_to_xml(v.q, false, false, '')::text END AS x ` +
    `FROM json_to_recordset(${dollarQuote(list)}::json) AS v(i int, r text, q text)`;
  let rows: { i: number; x: string | null }[];
  try {
    rows = await db.queryMulti<{ i: number; x: string | null }>("dataScan", text);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return e.code === "57014" ? `it did not finish within ${limit} (statement timeout)` : (e.message ?? String(err));
  }
  const out: BatchFound = { lobMaxima: [], infinities: [] };
  const xmlOf: (string | null)[] = [];
  for (const row of rows) xmlOf[row.i] = row.x;
  batch.forEach((probe, i) => {
    const read = xmlOf[i];
    if (read === undefined) return;
    const xml = read ?? ""; // an empty heap: no value, every maximum 0
    const { schema, name: table } = probe.table;
    for (const l of probe.lobs) out.lobMaxima.push({ schema, table, column: l.column, type: l.type, maxBytes: Number(xmlValue(xml, l.alias) ?? 0) });
    for (const f of probe.infinities) if (xmlValue(xml, f.alias) === "true") out.infinities.push({ schema, table, column: f.column, type: f.type });
  });
  return out;
}
