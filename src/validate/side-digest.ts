import type { QueryResult } from "pg";
import type { PgClient } from "../adapters/postgres/connect.js";
import { quoteLiteral } from "../adapters/postgres/sql.js";
import { throwIfAborted } from "../clock.js";
import type { BlockRange } from "./chunks.js";
import { type TableDigest, digestSql, runDigest } from "./checksum.js";

/** One table of one side, as its block ranges. */
export interface SideTable {
  schema: string;
  name: string;
  /** row-hash.ts expression, or null for counts only. */
  rowHash: string | null;
  ranges: BlockRange[];
}

interface Progress {
  next: number;
  left: number;
  rows: bigint;
  hash: bigint | null;
  snapshot?: Promise<string>;
  imports: Promise<unknown>[];
  done: (d: TableDigest) => void;
}

/**
 * Digests every table of one side with `sessions` at once, biggest work first as given.
 * A table read in several ranges is read as of one instant: the session that takes its first
 * range opens a REPEATABLE READ transaction and exports its snapshot, the others import it
 * (SET TRANSACTION SNAPSHOT), so a row an UPDATE moves between ranges meanwhile is counted
 * once. `pinned` sessions already share one snapshot (the cutover's check of the target as
 * of the drain) and take ranges as they are. Returns one promise per table, settled when its
 * last range is done; the run's promise rejects with the first failure once every session has stopped.
 */
export function digestSide(
  sessions: readonly PgClient[],
  tables: readonly SideTable[],
  o: { pinned: boolean; signal?: AbortSignal | undefined },
): { tables: Promise<TableDigest>[]; run: Promise<void> } {
  const progress: Progress[] = [];
  const tablePromises = tables.map(
    (t, i) =>
      new Promise<TableDigest>((resolve) => {
        progress[i] = { next: 0, left: t.ranges.length, rows: 0n, hash: t.rowHash === null ? null : 0n, imports: [], done: resolve };
      }),
  );
  let cursor = 0;
  let failed = false;
  const claim = (): { t: number; r: number } | undefined => {
    while (cursor < tables.length && progress[cursor]!.next >= tables[cursor]!.ranges.length) cursor += 1;
    return cursor < tables.length ? { t: cursor, r: progress[cursor]!.next++ } : undefined;
  };
  const digest = async (s: PgClient, t: number, r: number): Promise<void> => {
    throwIfAborted(o.signal);
    const table = tables[t]!;
    const range = table.ranges[r]!;
    const ranged = table.ranges.length > 1;
    const d = await runDigest(s, digestSql(table.schema, table.name, table.rowHash, ranged ? range : undefined), ranged);
    const p = progress[t]!;
    p.rows += BigInt(d.rows);
    if (p.hash !== null) p.hash += BigInt(d.hash ?? "0");
    p.left -= 1;
    if (p.left === 0) p.done({ rows: p.rows.toString(), hash: p.hash === null ? null : p.hash.toString() });
  };
  const worker = async (s: PgClient): Promise<void> => {
    for (let c = claim(); c && !failed; c = claim()) {
      const p = progress[c.t]!;
      if (tables[c.t]!.ranges.length === 1 || o.pinned) {
        await digest(s, c.t, c.r);
      } else if (c.r === 0) {
        // Exporter: keeps its transaction open, taking this table's ranges, until every
        // session that imports the snapshot has done so.
        p.snapshot = (async () => {
          const res = (await s.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot() AS id")) as unknown as QueryResult<{ id: string }>[];
          return res[1]!.rows[0]!.id;
        })();
        await p.snapshot;
        await digest(s, c.t, 0);
        while (!failed && p.next < tables[c.t]!.ranges.length) await digest(s, c.t, p.next++);
        await Promise.allSettled(p.imports);
        await s.query("COMMIT");
      } else {
        const imported = (async () => {
          const id = await p.snapshot!;
          await s.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT ${quoteLiteral(id)}`);
        })();
        p.imports.push(imported);
        await imported;
        await digest(s, c.t, c.r);
        await s.query("COMMIT");
      }
    }
  };
  const run = Promise.allSettled(
    sessions.map((s) =>
      worker(s).catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    ),
  ).then((settled) => {
    const failure = settled.find((r) => r.status === "rejected");
    if (failure) throw failure.reason;
  });
  return { tables: tablePromises, run };
}
