import type { QueryResultRow } from "pg";
import type { PgClient } from "../connect.js";
import { quoteLiteral } from "../../../plan/sql-text.js";

/** Catalog reads (their number must not grow with the table count) vs. reads of table data. */
export type QueryKind = "catalog" | "dataScan";

/**
 * Every query the preflight sends goes through here, so the counts it reports (and the bench
 * compares) are the real number of round trips, not an estimate.
 */
export class CountingClient {
  readonly counts: Record<QueryKind, number> = { catalog: 0, dataScan: 0 };

  constructor(private readonly client: PgClient) {}

  async query<T extends QueryResultRow>(kind: QueryKind, text: string, values?: unknown[]): Promise<T[]> {
    this.counts[kind] += 1;
    const result = await this.client.query<T>(text, values);
    return result.rows;
  }

  /** A multi-statement text sent as one simple query (one round trip); rows of the last one. */
  async queryMulti<T extends QueryResultRow>(kind: QueryKind, text: string): Promise<T[]> {
    this.counts[kind] += 1;
    // pg returns an array of results for a multi-statement text, one result otherwise.
    const result = (await this.client.query(text)) as unknown as { rows: T[] } | { rows: T[] }[];
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return last?.rows ?? [];
  }

  /**
   * A catalog read over every table (or column) of `schemas`, whose `$1` is that list: one
   * round trip, sent as a simple query so that it runs with JIT off and room to sort in memory.
   * Its cost estimate grows with the table count, and past jit_above_cost compiling it (tens
   * of ms) would take longer than running it; the default work_mem spills 20,000 column rows
   * to disk.
   */
  async catalogRead<T extends QueryResultRow>(text: string, schemas: readonly string[], serverVersionNum: number): Promise<T[]> {
    const list = `ARRAY[${schemas.map(quoteLiteral).join(", ")}]::name[]`;
    const settings = [...(serverVersionNum >= 110000 ? ["SET LOCAL jit = off;"] : []), "SET LOCAL work_mem = '64MB';"];
    return this.queryMulti<T>("catalog", `${settings.join("\n")}\n${text.replace(/\$1(?!\d)/g, list)}`);
  }
}
