/**
 * Copies one table from a source session (inside the exported snapshot) to a target session,
 * streaming COPY TO STDOUT into COPY FROM STDIN. pg-copy-streams does the protocol part: node-pg
 * has no COPY of its own, and row-by-row INSERTs would be several times slower than COPY.
 * Text format, not binary: binary COPY carries type OIDs (arrays, enums) that differ between
 * two servers.
 */
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { PgClient } from "../adapters/postgres/connect.js";
import { qualified, quoteIdent } from "../plan/sql-text.js";
import type { SourceTable } from "./source-tables.js";

/** A table could not be prepared or loaded on the target; `step` says which statement failed. */
export class TableLoadError extends Error {
  constructor(
    readonly table: SourceTable,
    readonly step: "truncate" | "load",
    readonly error: unknown,
  ) {
    super(`${step} of ${qualified(table.schema, table.table)} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.name = "TableLoadError";
  }
}

/** Counts rows as they pass: in COPY text format every raw newline byte ends a row. */
class RowCounter extends Transform {
  rows = 0;
  constructor(private readonly onRows: (rows: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let n = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    if (n) {
      this.rows += n;
      this.onRows(this.rows);
    }
    done(null, chunk);
  }
}

export interface CopyTableOptions {
  source: PgClient;
  target: PgClient;
  table: SourceTable;
  /** TRUNCATE_BEFORE_LOAD: one table per statement, no CASCADE, as DMS does. */
  truncateFirst: boolean;
  /** One segment of a table loaded in ranges (segments.ts): the rows this condition selects. */
  where?: string;
  onRows(rows: number): void;
}

/** TRUNCATE_BEFORE_LOAD of one table on its own (before the segments of a table loaded in ranges). */
export async function truncateTable(target: PgClient, table: SourceTable): Promise<void> {
  try {
    await target.query(`TRUNCATE TABLE ${qualified(table.schema, table.table)}`);
  } catch (err) {
    throw new TableLoadError(table, "truncate", err);
  }
}

/** Returns the rows loaded. The target side is one transaction: a failed load leaves the table as it was. */
export async function copyTable(options: CopyTableOptions): Promise<number> {
  const { source, target, table } = options;
  const columns = table.columns.map(quoteIdent).join(", ");
  await target.query("BEGIN");
  try {
    if (options.truncateFirst) await truncateTable(target, table);
    const counter = new RowCounter((rows) => options.onRows(rows));
    try {
      // COPY refuses a partitioned table as its source; its rows are read through a query
      // (every partition's rows, as DMS reads a selected parent), as are a segment's. A whole
      // table is read by COPY itself (the fast path: no query executor in between).
      const from =
        table.partitioned || options.where !== undefined
          ? `(SELECT ${columns} FROM ${qualified(table.schema, table.table)}${options.where !== undefined ? ` WHERE ${options.where}` : ""})`
          : `${qualified(table.schema, table.table)} (${columns})`;
      const out = source.query(copyTo(`COPY ${from} TO STDOUT`));
      const into = target.query(copyFrom(`COPY ${qualified(table.schema, table.table)} (${columns}) FROM STDIN`));
      await pipeline(out, counter, into);
    } catch (err) {
      throw new TableLoadError(table, "load", err);
    }
    await target.query("COMMIT");
    return counter.rows;
  } catch (err) {
    await target.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
