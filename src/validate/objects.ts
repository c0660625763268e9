import type { PgClient } from "../adapters/postgres/connect.js";
import { readSequences } from "../sequences/read.js";
import { tableDigest } from "./checksum.js";
import { type ObjectDifference, compareObjectStates, compareSequencePositions } from "./object-compare.js";
import { type ObjectStates, type RelationState, readObjectStates } from "./object-states.js";

export interface ObjectReport {
  /** Objects present on both sides whose state was compared. */
  compared: { indexes: number; relations: number; sequences: number; matviewContents: number };
  differences: ObjectDifference[];
}

const bothSides = <T extends { key: string }>(a: readonly T[], b: readonly T[]): T[] => {
  const keys = new Set(b.map((x) => x.key));
  return a.filter((x) => keys.has(x.key));
};

/**
 * With `checksum`, the content of every materialized view populated on both sides, hashed as
 * a table's is (only then can it be read: an unpopulated one is reported as such instead).
 */
async function compareMatviewContents(source: PgClient, target: PgClient, src: ObjectStates, tgt: ObjectStates): Promise<{ compared: number; differences: ObjectDifference[] }> {
  const onTarget = new Map(tgt.relations.map((r) => [r.key, r]));
  const pairs = src.relations
    .filter((r) => r.kind === "m" && r.populated)
    .flatMap((s): { s: RelationState; t: RelationState }[] => {
      const t = onTarget.get(s.key);
      return t && t.kind === "m" && t.populated ? [{ s, t }] : [];
    });
  const differences: ObjectDifference[] = [];
  for (const { s, t } of pairs) {
    const names = new Set((t.columns ?? []).map((c) => c.name));
    const columns = (s.columns ?? []).filter((c) => names.has(c.name));
    const [a, b] = await Promise.all([tableDigest(source, s.schema, s.name, columns, true), tableDigest(target, t.schema, t.name, columns, true)]);
    if (a.rows !== b.rows || a.hash !== b.hash) {
      differences.push({
        check: "matview-content",
        object: s.key,
        source: `${a.rows} rows, checksum ${a.hash}`,
        target: `${b.rows} rows, checksum ${b.hash}`,
        fix: `REFRESH MATERIALIZED VIEW on the target once its tables match (a view over live data differs while the source is written)`,
      });
    }
  }
  return { compared: pairs.length, differences };
}

/**
 * What the rows and definitions do not show: index validity and attachment, partitions'
 * attachment, materialized views' population (and content, with `checksum`), sequence
 * positions, logged vs unlogged. Catalog reads on one session per side, plus one digest per
 * materialized view with `checksum`. The sessions must use the stable text settings.
 */
export async function compareObjects(source: PgClient, target: PgClient, schemas: readonly string[], checksum: boolean): Promise<ObjectReport> {
  const [src, tgt] = await Promise.all([readObjectStates(source, schemas), readObjectStates(target, schemas)]);
  const [srcSeq, tgtSeq] = await Promise.all([readSequences(source, schemas), readSequences(target, schemas)]);
  const differences = [...compareObjectStates(src, tgt), ...compareSequencePositions(srcSeq, tgtSeq)];
  const matviews = checksum ? await compareMatviewContents(source, target, src, tgt) : { compared: 0, differences: [] };
  differences.push(...matviews.differences);
  const seqKeys = new Set(tgtSeq.map((t) => `${t.schema}.${t.name}`));
  return {
    compared: {
      indexes: bothSides(src.indexes, tgt.indexes).length,
      relations: bothSides(src.relations, tgt.relations).length,
      sequences: srcSeq.filter((s) => seqKeys.has(`${s.schema}.${s.name}`)).length,
      matviewContents: matviews.compared,
    },
    differences,
  };
}
