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
}

/**
 * Moves every target sequence that must move to the source's position (planSequenceSync's
 * rules), in one statement on the target that reads, decides and sets (see apply-sql.ts).
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
  const out = await doReturningJson<ApplyOutput[]>(target, APPLY_RESULT, applyBlock(input, o.dryRun === true));
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
