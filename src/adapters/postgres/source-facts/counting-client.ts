import { performance } from "node:perf_hooks";
import type { QueryResultRow } from "pg";
import type { PgClient } from "../connect.js";
import { quoteLiteral } from "../../../plan/sql-text.js";

/** Catalog reads (their number must not grow with the table count) vs. reads of table data. */
export type QueryKind = "catalog" | "dataScan";

/** One round trip as it was timed: what it read and how long it took, rows parsed included. */
export interface TimedQuery {
  kind: QueryKind;
  /** The statement's first words, e.g. "SELECT n.nspname AS name, count(c.oid) …". */
  what: string;
  ms: number;
}

/** The statement itself, past the SET LOCAL lines, shortened for a log line. */
function gist(text: string): string {
  const words = text.slice(0, 400).replace(/^(\s*SET LOCAL [^;]*;)+/, "").replace(/\s+/g, " ").trim();
  return words.length > 60 ? `${words.slice(0, 60)} …` : words;
}

/**
 * Every query the preflight sends goes through here, so the counts it reports (and the bench
 * compares) are the real number of round trips, not an estimate, and each one's time is kept
 * (check-source --verbose prints them).
 */
export class CountingClient {
  readonly counts: Record<QueryKind, number> = { catalog: 0, dataScan: 0 };
  readonly timings: TimedQuery[] = [];

  constructor(private readonly client: PgClient) {}

  private async timed<R>(kind: QueryKind, text: string, run: () => Promise<R>): Promise<R> {
    this.counts[kind] += 1;
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.timings.push({ kind, what: gist(text), ms: performance.now() - started });
    }
  }

  async query<T extends QueryResultRow>(kind: QueryKind, text: string, values?: unknown[]): Promise<T[]> {
    const result = await this.timed(kind, text, () => this.client.query<T>(text, values));
    return result.rows;
  }

  /** A multi-statement text sent as one simple query (one round trip); rows of the last one. */
  async queryMulti<T extends QueryResultRow>(kind: QueryKind, text: string): Promise<T[]> {
    const all = await this.queryEach(kind, text);
    return (all[all.length - 1] ?? []) as T[];
  }

  /** A multi-statement text sent as one simple query (one round trip); rows of each statement. */
  private async queryEach(kind: QueryKind, text: string): Promise<QueryResultRow[][]> {
    // pg returns an array of results for a multi-statement text, one result otherwise.
    const result = (await this.timed(kind, text, () => this.client.query(text))) as unknown as { rows: QueryResultRow[] } | { rows: QueryResultRow[] }[];
    return (Array.isArray(result) ? result : [result]).map((r) => r.rows);
  }

  /**
   * A catalog read over every table (or column) of `schemas`, whose `$1` is that list: one
   * round trip, sent as a simple query so that it runs with JIT off and room to sort in memory.
   * Its cost estimate grows with the table count, and past jit_above_cost compiling it (tens
   * of ms) would take longer than running it; the default work_mem spills 20,000 column rows
   * to disk. Several statements (`;`-separated) are still one round trip: the rows of each.
   */
  async catalogReads(text: string, schemas: readonly string[], serverVersionNum: number): Promise<QueryResultRow[][]> {
    const list = `ARRAY[${schemas.map(quoteLiteral).join(", ")}]::name[]`;
    const settings = [...(serverVersionNum >= 110000 ? ["SET LOCAL jit = off;"] : []), "SET LOCAL work_mem = '64MB';"];
    const all = await this.queryEach("catalog", `${settings.join("\n")}\n${text.replace(/\$1(?!\d)/g, list)}`);
    return all.slice(settings.length);
  }

  /** catalogReads of one statement: its rows. */
  async catalogRead<T extends QueryResultRow>(text: string, schemas: readonly string[], serverVersionNum: number): Promise<T[]> {
    const [rows] = await this.catalogReads(text, schemas, serverVersionNum);
    return (rows ?? []) as T[];
  }
}
