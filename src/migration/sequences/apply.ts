import type { PgClient } from "../../adapters/postgres/connect.js";
import { OperationError } from "../../core/errors.js";
import { APPLY_RESULT, type ApplyColumns, type ApplyInput, applyBlock } from "./apply-sql.js";
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
  const settled = await Promise.allSettled(shares.map(({ session, part }) => doReturningJson<ApplyColumns>(session, APPLY_RESULT, applyBlock(part, o.dryRun === true))));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  const results = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  // Element i of the whole input: in the share that holds it, at its place in that share.
  const at = (i: number): { r: ApplyColumns; k: number } => ({ r: results[Math.floor(i / share)]!, k: i % share });
  const targets: TargetSequenceInfo[] = [];
  for (let i = 0; i < source.length; i += 1) {
    const s = source[i]!;
    const { r, k } = at(i);
    if (r.a[k] === "missing-on-target") continue;
    const x = r.x[k];
    const t: TargetSequenceInfo = {
      schema: s.schema,
      name: s.name,
      increment: BigInt(r.i[k]!),
      min: BigInt(r.mn[k]!),
      max: BigInt(r.mx[k]!),
      cycle: r.y[k]!,
      state: { lastValue: BigInt(r.tl[k]!), isCalled: r.tc[k]! },
      feeds: r.f[k] ?? [],
    };
    if (x !== null && x !== undefined) t.columnExtreme = BigInt(x);
    targets.push(t);
  }
  const entries = planSequenceSync(source, targets);
  const disagreements: string[] = [];
  for (let i = 0; i < entries.length; i += 1) {
    const e = entries[i]!;
    const { r, k } = at(i);
    const action = r.a[k];
    const serverHasTo = action === "set" || action === "out-of-range";
    const agree = e.action === action && (e.to ? serverHasTo && r.tol[k] === e.to.lastValue.toString() && r.toc[k] === e.to.isCalled : !serverHasTo);
    if (agree) continue;
    const to = e.to ? `${e.to.lastValue}/${e.to.isCalled}` : undefined;
    const serverTo = serverHasTo ? `${r.tol[k]}/${r.toc[k]}` : undefined;
    disagreements.push(`${sequenceKey(e)}: the statement decided ${action} ${serverTo ?? ""}, the plan ${e.action} ${to ?? ""}`);
  }
  if (disagreements.length > 0) {
    throw new OperationError(`The target's sequence sync decided differently from the tool's plan for ${disagreements.length} sequence(s).`, {
      details: disagreements,
      hint: "This is a defect in aurora-migrate: please report it with these lines. No sequence was moved backwards (the statement never does); check the ones listed with `aurora-migrate sync-sequences --dry-run --verbose`.",
    });
  }
  return { entries, targets };
}
