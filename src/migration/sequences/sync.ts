import type { PgClient } from "../../adapters/postgres/connect.js";
import { comparedSchemas } from "../schema/catalog.js";
import { applyOnTarget } from "./apply.js";
import type { SequencePlanEntry } from "./plan.js";
import { readSequences } from "./read.js";
import { comparePosition } from "./position.js";
import { formatState, nextValue, sequenceKey } from "./types.js";

export interface SequenceSyncOptions {
  source: PgClient;
  target: PgClient;
  schemas: readonly string[];
  /** Plan only: read both sides, write nothing. */
  dryRun?: boolean;
  /** More sessions on the target to share the work with (see ApplyOptions.moreSessions). */
  moreTargetSessions?: readonly PgClient[];
}

export interface SequenceSyncReport {
  schemas: string[];
  dryRun: boolean;
  entries: SequencePlanEntry[];
  moved: number;
  unchanged: number;
  missingOnTarget: number;
  /** Positions the target sequence's bounds refuse (its definition differs from the source's). */
  outOfRange: number;
  /** The source's sequences as read for this sync (a live source moves on right after). */
  sourceAsRead: SourceSequences;
}

type SourceSequences = Awaited<ReturnType<typeof readSequences>>;

/**
 * Copies every source sequence's position to the target without ever moving one backwards
 * (a CYCLE sequence takes the source's exact state; see planSequenceSync): one statement
 * reads all of the source; one statement on the target (one per session, each on its share,
 * with `moreTargetSessions`) reads its sequences and the columns they feed, decides and sets
 * every one that must move (applyOnTarget).
 */
export async function syncSequences(o: SequenceSyncOptions): Promise<SequenceSyncReport> {
  // The machinery's own schemas hold nothing the app's ids come from.
  const schemas = comparedSchemas(o.schemas);
  const source = await readSequences(o.source, schemas);
  const { entries } = await applyOnTarget(o.target, source, { dryRun: o.dryRun === true, ...(o.moreTargetSessions ? { moreSessions: o.moreTargetSessions } : {}) });
  const count: Record<SequencePlanEntry["action"], number> = { set: 0, unchanged: 0, "missing-on-target": 0, "out-of-range": 0 };
  for (const e of entries) count[e.action] += 1;
  return { schemas, dryRun: o.dryRun === true, entries, moved: count.set, unchanged: count.unchanged, missingOnTarget: count["missing-on-target"], outOfRange: count["out-of-range"], sourceAsRead: source };
}

/**
 * Re-reads the target (and the source, unless `sourceAsOf` gives the positions the sync
 * read) and lists every target sequence whose next value is not at or past the source's, or,
 * for a CYCLE sequence, that is not at the source's exact state (empty when the sync holds).
 * Used by the wizard's restore step to verify. With writes going on, the source moves on
 * after any read: compare with what the sync read, since the cutover's final sync covers what
 * comes later.
 */
export async function sequencesBehind(source: PgClient, target: PgClient, schemas: readonly string[], sourceAsOf?: SourceSequences): Promise<string[]> {
  const src = sourceAsOf ?? (await readSequences(source, schemas));
  const tgt = new Map((await readSequences(target, schemas)).map((t) => [sequenceKey(t), t]));
  const behind: string[] = [];
  for (const s of src) {
    const t = tgt.get(sequenceKey(s));
    if (!t) continue;
    const position = comparePosition(s, t);
    if (position === "behind") behind.push(`${sequenceKey(s)}: target next ${nextValue(t)}, source next ${nextValue({ increment: t.increment, state: s.state })}`);
    if (position === "elsewhere") behind.push(`${sequenceKey(s)} (CYCLE): target at ${formatState(t.state)}, source at ${formatState(s.state)}`);
  }
  return behind;
}
