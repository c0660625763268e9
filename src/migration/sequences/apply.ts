import type { PgClient } from "../../adapters/postgres/connect.js";
import { OperationError } from "../../core/errors.js";
import { APPLY_RESULT, type ApplyInput, type ApplyOutput, applyBlock } from "./apply-sql.js";
import { doReturningJson } from "./do-block.js";
import { planSequenceSync, type SequencePlanEntry } from "./plan.js";
import { type SequenceInfo, type TargetSequenceInfo, sequenceKey } from "./types.js";

export interface AppliedSync {
  /** planSequenceSync's entries for what the target held: the same decisions the server took. */
  entries: SequencePlanEntry[];
  /** The target's sequences as the statement found them (before any setval), column extremes included. */
  targets: TargetSequenceInfo[];
}

export interface ApplyOptions {
  /** Decide and report, set nothing. */
  dryRun?: boolean;
  /**
   * Column extremes already read (the cutover reads them before the freeze), by sequenceKey;
   * null: no value. A sequence without an entry has its columns read in the statement.
   */
  knownExtremes?: ReadonlyMap<string, bigint | null>;
  /**
   * More sessions on the same target database: the sequences are split into contiguous shares,
   * one statement per session, run at once (each still reads, decides and sets its sequences
   * in one statement, so every decision is taken against the state it read). The column reads
   * cost the server CPU; a second session uses a second core.
   */
  moreSessions?: readonly PgClient[];
}

/**
 * Moves every target sequence that must move to the source's position (planSequenceSync's
 * rules), in one statement on the target that reads, decides and sets (see apply-sql.ts);
 * with `moreSessions`, one such statement per session, each on its share of the sequences.
 * The facts it read come back, and planSequenceSync is run on them for the report; a
 * decision that differs from the statement's is a defect, reported as such.
 */
export async function applyOnTarget(target: PgClient, source: readonly SequenceInfo[], o: ApplyOptions = {}): Promise<AppliedSync> {
  if (source.length === 0) return { entries: [], targets: [] };
  const input: ApplyInput[] = source.map((s) => {
    const known = o.knownExtremes?.get(sequenceKey(s));
    return {
      s: s.schema,
      n: s.name,
      l: s.state.lastValue.toString(),
      c: s.state.isCalled,
      y: s.cycle,
      ...(known === undefined ? {} : { x: known === null ? null : known.toString() }),
    };
  });
  const sessions = [target, ...(o.moreSessions ?? [])];
  const share = Math.ceil(input.length / sessions.length);
  const shares = sessions.map((session, k) => ({ session, part: input.slice(k * share, (k + 1) * share) })).filter((x) => x.part.length > 0);
  // Settled, not Promise.all: no statement is left running behind an error.
  const settled = await Promise.allSettled(shares.map(({ session, part }) => doReturningJson<ApplyOutput[]>(session, APPLY_RESULT, applyBlock(part, o.dryRun === true))));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  const out = settled.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
  const targets: TargetSequenceInfo[] = [];
  source.forEach((s, i) => {
    const r = out[i]!;
    if (r.a === "missing-on-target") return;
    targets.push({
      schema: s.schema,
      name: s.name,
      increment: BigInt(r.i!),
      min: BigInt(r.mn!),
      max: BigInt(r.mx!),
      cycle: r.y!,
      state: { lastValue: BigInt(r.tl!), isCalled: r.tc! },
      feeds: r.f ?? [],
      ...(r.x === null || r.x === undefined ? {} : { columnExtreme: BigInt(r.x) }),
    });
  });
  const entries = planSequenceSync(source, targets);
  const disagreements = entries.flatMap((e, i) => {
    const r = out[i]!;
    const to = e.to ? `${e.to.lastValue}/${e.to.isCalled}` : undefined;
    const serverTo = r.a === "set" || r.a === "out-of-range" ? `${r.tol}/${r.toc}` : undefined;
    return e.action === r.a && to === serverTo ? [] : [`${sequenceKey(e)}: the statement decided ${r.a} ${serverTo ?? ""}, the plan ${e.action} ${to ?? ""}`];
  });
  if (disagreements.length > 0) {
    throw new OperationError(`The target's sequence sync decided differently from the tool's plan for ${disagreements.length} sequence(s).`, {
      details: disagreements,
      hint: "This is a defect in aurora-migrate: please report it with these lines. No sequence was moved backwards (the statement never does); check the ones listed with `aurora-migrate sync-sequences --dry-run --verbose`.",
    });
  }
  return { entries, targets };
}
