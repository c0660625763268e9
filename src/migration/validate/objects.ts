import type { PgClient } from "../../adapters/postgres/connect.js";
import { readSequences } from "../sequences/read.js";
import { type ObjectDifference, compareObjectStates, compareSequencePositions } from "./object-compare.js";
import { readObjectStates } from "./object-states.js";

export interface ObjectReport {
  /** Objects present on both sides whose state was compared. */
  compared: { indexes: number; relations: number; sequences: number };
  differences: ObjectDifference[];
}

const bothSides = <T extends { key: string }>(a: readonly T[], b: readonly T[]): T[] => {
  const keys = new Set(b.map((x) => x.key));
  return a.filter((x) => keys.has(x.key));
};

/**
 * What the rows and definitions do not show: index validity and attachment, partitions'
 * attachment, materialized views' population, sequence positions, logged vs unlogged. Catalog
 * reads on one session per side. A materialized view's content is not compared: it is a cache
 * of its query as of its last REFRESH, which differs between the sides whenever the app
 * refreshes on its own schedule (the target's was refreshed by step 9, the source's earlier).
 */
export async function compareObjects(source: PgClient, target: PgClient, schemas: readonly string[]): Promise<ObjectReport> {
  const [src, tgt] = await Promise.all([readObjectStates(source, schemas), readObjectStates(target, schemas)]);
  const [srcSeq, tgtSeq] = await Promise.all([readSequences(source, schemas), readSequences(target, schemas)]);
  const differences = [...compareObjectStates(src, tgt), ...compareSequencePositions(srcSeq, tgtSeq)];
  const seqKeys = new Set(tgtSeq.map((t) => `${t.schema}.${t.name}`));
  return {
    compared: {
      indexes: bothSides(src.indexes, tgt.indexes).length,
      relations: bothSides(src.relations, tgt.relations).length,
      sequences: srcSeq.filter((s) => seqKeys.has(`${s.schema}.${s.name}`)).length,
    },
    differences,
  };
}
