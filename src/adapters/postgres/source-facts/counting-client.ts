import type { QueryResultRow } from "pg";
import type { PgClient } from "../connect.js";

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
}
