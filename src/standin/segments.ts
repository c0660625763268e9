/**
 * The segments of a table loaded with `parallel-load` `ranges` (docs/dms-notes.md §17), as the
 * WHERE conditions the stand-in reads each with. Pure.
 *
 * DMS's segment k is `NOT (previous segment's bound) AND (c1, …) < b_k` in row order (the
 * guide spells the row comparison out: `c1 < v1 OR (c1 = v1 AND c2 < v2) OR …`); the last
 * segment is everything at or above the last boundary. A segment's lower bound is inclusive.
 * With no NULL in the columns, `NOT ((c…) < b)` is `(c…) >= b`: written so, the server can
 * read a segment through an index on the columns instead of scanning the whole table once per
 * segment. Rows with a NULL in a range column are in no segment: DMS does not replicate them
 * (its guide says so), and neither does the stand-in.
 */
import { quoteIdent, quoteLiteral } from "../plan/sql-text.js";

function row(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `(${items.join(", ")})`;
}

/** One WHERE condition per segment (`boundaries.length + 1` of them), in key order. */
export function segmentConditions(columns: readonly string[], boundaries: readonly (readonly string[])[]): string[] {
  const cols = row(columns.map(quoteIdent));
  const notNull = columns.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(" AND ");
  const bound = (b: readonly string[]): string => row(b.map(quoteLiteral));
  const out: string[] = [];
  for (let k = 0; k <= boundaries.length; k++) {
    const parts = [notNull];
    if (k > 0) parts.push(`${cols} >= ${bound(boundaries[k - 1]!)}`);
    if (k < boundaries.length) parts.push(`${cols} < ${bound(boundaries[k]!)}`);
    out.push(parts.join(" AND "));
  }
  return out;
}
