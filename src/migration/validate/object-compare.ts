import { qualified } from "../../plan/sql-text.js";
import { comparePosition } from "../sequences/position.js";
import { type SequenceInfo, formatState, nextValue, sequenceKey } from "../sequences/types.js";
import type { IndexState, ObjectStates, RelationState } from "./object-states.js";

/** What a difference is about. */
export type ObjectCheck = "index-validity" | "index-attachment" | "partition-attachment" | "matview-population" | "sequence-position" | "persistence";

/** A state the rows and definitions do not show, different on the target (each counts as a difference). */
export interface ObjectDifference {
  check: ObjectCheck;
  /** `schema.table.index` for an index, `schema.name` otherwise. */
  object: string;
  source: string;
  target: string;
  /** What to run (on the target, unless it says otherwise). */
  fix: string;
}

const indexState = (i: IndexState): string => (!i.ready ? "not ready (never finished building)" : !i.valid ? "INVALID" : "valid");
const persistence = (p: string): string => (p === "u" ? "UNLOGGED" : "logged");
const KIND: Record<string, string> = { r: "TABLE", p: "TABLE", m: "MATERIALIZED VIEW", S: "SEQUENCE" };

function compareIndexes(source: readonly IndexState[], target: readonly IndexState[]): ObjectDifference[] {
  const onTarget = new Map(target.map((i) => [i.key, i]));
  const out: ObjectDifference[] = [];
  for (const s of source) {
    const t = onTarget.get(s.key);
    if (!t) continue; // missing indexes are the parity check's
    const name = qualified(s.schema, s.index);
    if (s.valid && s.ready && !(t.valid && t.ready)) {
      out.push({
        check: "index-validity",
        object: s.key,
        source: indexState(s),
        target: indexState(t),
        fix: t.partitioned
          ? `attach each partition's index to it (ALTER INDEX ${name} ATTACH PARTITION …): it becomes valid once every partition has one attached`
          : `REINDEX INDEX ${name}`,
      });
    }
    if (s.attachedTo && s.attachedTo.key !== t.attachedTo?.key) {
      out.push({
        check: "index-attachment",
        object: s.key,
        source: `attached to ${s.attachedTo.key}`,
        target: t.attachedTo ? `attached to ${t.attachedTo.key}` : "not attached to any partitioned index",
        fix: `ALTER INDEX ${qualified(s.attachedTo.schema, s.attachedTo.name)} ATTACH PARTITION ${name}`,
      });
    }
  }
  return out;
}

function compareRelations(source: readonly RelationState[], target: readonly RelationState[]): ObjectDifference[] {
  const onTarget = new Map(target.map((r) => [r.key, r]));
  const out: ObjectDifference[] = [];
  for (const s of source) {
    const t = onTarget.get(s.key);
    if (!t || t.kind !== s.kind) continue; // the parity check reports a missing or different relation
    const name = qualified(s.schema, s.name);
    if (s.persistence !== t.persistence) {
      out.push({
        check: "persistence",
        object: s.key,
        source: persistence(s.persistence),
        target: persistence(t.persistence),
        fix: `ALTER ${KIND[s.kind] ?? "TABLE"} ${name} SET ${s.persistence === "u" ? "UNLOGGED" : "LOGGED"}`,
      });
    }
    if (s.kind === "m" && s.populated && !t.populated) {
      out.push({ check: "matview-population", object: s.key, source: "populated", target: "not populated", fix: `REFRESH MATERIALIZED VIEW ${name}` });
    }
    const where = (r: RelationState): string => (r.partitionOf ? `partition of ${r.partitionOf.key} ${r.bound ?? ""}`.trim() : "not a partition");
    if (s.partitionOf && where(s) !== where(t)) {
      out.push({
        check: "partition-attachment",
        object: s.key,
        source: where(s),
        target: where(t),
        fix: `${t.partitionOf ? `ALTER TABLE ${qualified(t.partitionOf.schema, t.partitionOf.name)} DETACH PARTITION ${name}; ` : ""}ALTER TABLE ${qualified(s.partitionOf.schema, s.partitionOf.name)} ATTACH PARTITION ${name} ${s.bound ?? ""}`.trim(),
      });
    }
  }
  return out;
}

/** A target sequence behind the source's (in its own direction), or a CYCLE sequence not at the source's exact state. */
export function compareSequencePositions(source: readonly SequenceInfo[], target: readonly SequenceInfo[]): ObjectDifference[] {
  const onTarget = new Map(target.map((t) => [sequenceKey(t), t]));
  const out: ObjectDifference[] = [];
  for (const s of source) {
    const t = onTarget.get(sequenceKey(s));
    if (!t) continue;
    const position = comparePosition(s, t);
    if (position !== "behind" && position !== "elsewhere") continue;
    const fix = "aurora-migrate sync-sequences --source … --target … (the cutover runs it as its final sequence sync)";
    out.push(
      position === "behind"
        ? { check: "sequence-position", object: sequenceKey(s), source: `next ${nextValue({ increment: t.increment, state: s.state })}`, target: `next ${nextValue(t)} (behind: it would hand out values the source already did)`, fix }
        : { check: "sequence-position", object: sequenceKey(s), source: `CYCLE at ${formatState(s.state)}`, target: `at ${formatState(t.state)} (a cycling sequence must be at the source's exact position)`, fix },
    );
  }
  return out;
}

/** Pure: every state difference between the two sides' objects that exist on both (existence is the parity check's). */
export function compareObjectStates(source: ObjectStates, target: ObjectStates): ObjectDifference[] {
  return [...compareIndexes(source.indexes, target.indexes), ...compareRelations(source.relations, target.relations)];
}
