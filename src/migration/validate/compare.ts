import type { PgClient } from "../../adapters/postgres/connect.js";
import { comparedSchemas, readCatalog } from "../schema/catalog.js";
import { type ParityReport, compareCatalogs } from "../schema/parity.js";
import { type TableDigest, useStableTextSettings } from "./checksum.js";
import { type ObjectReport, compareObjects } from "./objects.js";
import { type RowHashMethod, rowHashExpr, rowHashMethod } from "./row-hash.js";
import { digestSideBiggestFirst } from "./side-digest.js";
import { type TableInfo, listTables, tableKey } from "./tables.js";
export type TableStatus = "match" | "rows-differ" | "checksum-differs" | "missing-on-target" | "columns-differ" | "only-on-target";

export interface TableComparison {
  schema: string;
  table: string;
  status: TableStatus;
  sourceRows?: string;
  targetRows?: string;
  sourceHash?: string;
  targetHash?: string;
  /** Columns on one side only (the checksum covers the common ones). */
  columnNote?: string;
}

export interface ValidateOptions {
  /** Opens a new session; called once per job and side. */
  connectSource: () => Promise<PgClient>;
  connectTarget: () => Promise<PgClient>;
  schemas: readonly string[];
  checksum: boolean;
  /** Backends per side at once: sessions reading tables, or one session and its parallel workers reading a big table. Default 4. */
  jobs?: number;
  /** Run the catalog parity check too. Default true. */
  parity?: boolean;
  /**
   * Compare the objects' states too (index validity and attachment, partitions, materialized
   * views, sequence positions, logged/unlogged). Default: as `parity` (a row-count-only
   * comparison, as the cutover's, skips both).
   */
  objects?: boolean;
  signal?: AbortSignal;
  /** Called after each table. */
  onProgress?: (done: number, total: number, last: TableComparison) => void;
}

export interface ValidateReport {
  schemas: string[];
  checksum: boolean;
  tables: TableComparison[];
  parity?: ParityReport;
  objects?: ObjectReport;
  /** Tables that differ or are missing, blocking or warning parity differences, and object state differences. */
  differences: number;
}

const DIFFERENT: ReadonlySet<TableStatus> = new Set(["rows-differ", "checksum-differs", "missing-on-target", "columns-differ"]);

/** Columns both sides have, with the source's type; and a note on those only one side has. */
function commonColumns(src: TableInfo, tgt: TableInfo): { columns: TableInfo["columns"]; note?: string } {
  const tgtNames = new Set(tgt.columns.map((c) => c.name));
  const srcNames = new Set(src.columns.map((c) => c.name));
  const onlySource = src.columns.filter((c) => !tgtNames.has(c.name)).map((c) => c.name);
  const onlyTarget = tgt.columns.filter((c) => !srcNames.has(c.name)).map((c) => c.name);
  const note = [onlySource.length ? `only on the source: ${onlySource.join(", ")}` : "", onlyTarget.length ? `only on the target: ${onlyTarget.join(", ")}` : ""]
    .filter(Boolean)
    .join("; ");
  return { columns: src.columns.filter((c) => tgtNames.has(c.name)), ...(note ? { note } : {}) };
}

async function serverVersion(client: PgClient): Promise<number> {
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(rows[0]!.v);
}

/**
 * Compares every table of `schemas`: row counts, and with `checksum` a content hash computed
 * inside each database. Each side runs `jobs` backends at once, the two sides at the same
 * time; a table holding most of a side's bytes is read with parallel workers, so `jobs`
 * helps on a database whose bytes sit in one table. The migration's own schemas are left out
 * (IGNORED_SCHEMAS).
 */
export async function validateDatabases(o: ValidateOptions): Promise<ValidateReport> {
  const jobs = Math.max(1, o.jobs ?? 4);
  const schemas = comparedSchemas(o.schemas);
  const first = await Promise.all([o.connectSource(), o.connectTarget()]);
  const pools: [PgClient[], PgClient[]] = [[first[0]], [first[1]]];
  try {
    await Promise.all(first.map(useStableTextSettings));
    const [sourceVersion, targetVersion] = await Promise.all([serverVersion(first[0]), serverVersion(first[1])]);
    const method: RowHashMethod = rowHashMethod(sourceVersion, targetVersion);
    // Sizes from pg_partition_tree (PostgreSQL 12+).
    const [srcTables, tgtTables] = await Promise.all([listTables(first[0], schemas, sourceVersion >= 120000), listTables(first[1], schemas, targetVersion >= 120000)]);
    let parity: ParityReport | undefined;
    if (o.parity !== false) {
      const [a, b] = await Promise.all([readCatalog(first[0], schemas), readCatalog(first[1], schemas)]);
      parity = compareCatalogs(a, b);
    }
    const objects = (o.objects ?? o.parity !== false) ? await compareObjects(first[0], first[1], schemas) : undefined;
    const targetByKey = new Map(tgtTables.map((t) => [tableKey(t), t]));
    const sourceKeys = new Set(srcTables.map(tableKey));
    const results: TableComparison[] = [];
    const toCompare: { src: TableInfo; tgt: TableInfo; rowHash: string | null; note?: string }[] = [];
    for (const src of srcTables) {
      const tgt = targetByKey.get(tableKey(src));
      if (!tgt) {
        results.push({ schema: src.schema, table: src.name, status: "missing-on-target" });
        continue;
      }
      const { columns, note } = commonColumns(src, tgt);
      const targetType = new Map(tgt.columns.map((c) => [c.name, c.type]));
      const sourceType = new Map(src.columns.map((c) => [c.name, c.type]));
      // NOT NULL counts only where both sides say so (row-hash.ts: the row's last hash is that column's).
      const notNullOnTarget = new Set(tgt.columns.filter((c) => c.notNull).map((c) => c.name));
      const hashed = columns.map((c) => ({ ...c, notNull: c.notNull === true && notNullOnTarget.has(c.name) }));
      const rowHash = o.checksum ? rowHashExpr(hashed, method, (name) => sourceType.get(name) === targetType.get(name)) : null;
      toCompare.push({ src, tgt, rowHash, ...(note ? { note } : {}) });
    }
    const total = srcTables.length;
    let done = results.length;
    for (const r of results) o.onProgress?.(done, total, r);
    const digests: [TableDigest | undefined, TableDigest | undefined][] = toCompare.map(() => [undefined, undefined]);
    const compared: TableComparison[] = [];
    const settle = (i: number): void => {
      const [a, b] = digests[i]!;
      if (!a || !b) return;
      const { src, note } = toCompare[i]!;
      const status: TableStatus = a.rows !== b.rows ? "rows-differ" : a.hash !== b.hash ? "checksum-differs" : note ? "columns-differ" : "match";
      const result: TableComparison = {
        schema: src.schema,
        table: src.name,
        status,
        sourceRows: a.rows,
        targetRows: b.rows,
        ...(a.hash !== null ? { sourceHash: a.hash } : {}),
        ...(b.hash !== null ? { targetHash: b.hash } : {}),
        ...(note ? { columnNote: note } : {}),
      };
      compared.push(result);
      done += 1;
      o.onProgress?.(done, total, result);
    };
    // Each side on its own sessions, both at once, biggest tables first.
    await Promise.all(
      ([0, 1] as const).map((side) =>
        digestSideBiggestFirst(
          pools[side],
          side === 0 ? o.connectSource : o.connectTarget,
          toCompare.map((c) => ({ ...(side === 0 ? c.src : c.tgt), rowHash: c.rowHash })),
          jobs,
          (i, digest) => {
            digests[i]![side] = digest;
            settle(i);
          },
          o.signal,
        ),
      ),
    );
    results.push(...compared);
    for (const t of tgtTables) {
      if (!sourceKeys.has(tableKey(t))) results.push({ schema: t.schema, table: t.name, status: "only-on-target" });
    }
    const order = (r: TableComparison): string => `${r.schema}.${r.table}`;
    results.sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0));
    const differences = results.filter((r) => DIFFERENT.has(r.status)).length + (parity ? parity.blockers + parity.warnings : 0) + (objects?.differences.length ?? 0);
    return { schemas, checksum: o.checksum, tables: results, ...(parity ? { parity } : {}), ...(objects ? { objects } : {}), differences };
  } finally {
    await Promise.all(pools.flat().map((c) => c.end().catch(() => undefined)));
  }
}
