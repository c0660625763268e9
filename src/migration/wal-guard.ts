/**
 * The WAL guard's effects: reads the WAL the recorded DMS replication slot keeps on the source
 * (adapters/postgres/wal-retention.ts), judges it (plan/wal-retention.ts) and says so in the
 * waits and before the restore of step 9, when the task is stopped and nothing consumes the
 * slot; each reading is recorded (source-watch.ts) for `status`, which never connects. Best
 * effort everywhere: a reading that fails never stops the migration.
 */
import type { PgClient } from "../adapters/postgres/connect.js";
import { readWalRetention } from "../adapters/postgres/wal-retention.js";
import { errorMessage } from "../core/errors.js";
import { formatBytes } from "../plan/lob-sizing.js";
import { WAL_BUDGET_QUESTION, type WalGuardOptions, type WalLevel, type WalReading, type WalVerdict, evaluateWalRetention, parseWalBudget, projectWalRetention, walGrowthPerHour } from "../plan/wal-retention.js";
import type { MigrationState } from "../state/schema.js";
import { RES } from "./aws/resources.js";
import { openDatabase } from "./connections.js";
import type { StepContext } from "./context.js";
import { recordSourceWatch } from "./source-watch.js";

/** The slot DMS created, as step 8 recorded it; undefined before, or once cleanup dropped it. */
export function recordedSlotName(state: Pick<MigrationState, "resources">): string | undefined {
  const r = state.resources[RES.slot];
  return r && !r["deletedAt"] ? r.id : undefined;
}

/** The disk budget the user gave (step 2's `source.walBudget`, `--wal-budget`): every verdict is against it too. */
export function walGuardOptions(state: Pick<MigrationState, "answers">): WalGuardOptions {
  const given = state.answers[WAL_BUDGET_QUESTION];
  const parsed = typeof given === "string" ? parseWalBudget(given) : undefined;
  return parsed?.ok && parsed.bytes !== undefined ? { diskBudgetBytes: parsed.bytes } : {};
}

/**
 * In a wait: one reading per round, the growth since the wait's first reading, a short text for
 * the wait's line, and a warning each time the level rises (warn, then danger).
 */
export class WalWatch {
  private first: WalReading | undefined;
  private said: WalLevel = "ok";
  private client: PgClient | undefined;
  private failed = false;
  /** For the wait's line: "" until a reading. */
  text = "";

  /** `said`: the level a warning already said (step 9's projection), so the watch warns only above it. */
  constructor(
    private readonly ctx: StepContext,
    said: WalLevel = "ok",
  ) {
    this.said = said;
  }

  /** One reading (recorded for `status`); none under --dry-run, which connects to nothing and saves nothing. */
  async look(): Promise<WalVerdict | undefined> {
    const slot = recordedSlotName(this.ctx.state);
    if (!slot || this.failed || this.ctx.options.dryRun) return undefined;
    try {
      this.client ??= await openDatabase(this.ctx, "source");
      const reading = await readWalRetention(this.client, slot, this.ctx.clock.now());
      if (!reading) return void (await recordSourceWatch(this.ctx, this.client, slot, undefined));
      this.first ??= reading;
      const v = evaluateWalRetention(reading, this.first === reading ? undefined : this.first, walGuardOptions(this.ctx.state));
      await recordSourceWatch(this.ctx, this.client, slot, reading, v); // what `status` shows, with the key-change count
      const growth = v.growthPerHour === undefined ? "" : ` ${v.growthPerHour >= 0 ? "+" : "-"}${formatBytes(Math.abs(v.growthPerHour))}/h`;
      this.text = ` · WAL kept ${formatBytes(reading.retainedBytes)}${growth}${v.limitBytes ? ` (${Math.round((reading.retainedBytes / v.limitBytes) * 100)}% of limit)` : ""}`;
      if (rank(v.level) > rank(this.said)) {
        this.said = v.level;
        this.ctx.reporter.warn(v.message);
        if (v.fix) this.ctx.reporter.info(`  To put a limit in place, on the source: ${v.fix}`);
      }
      return v;
    } catch (err) {
      // Said once; the wait goes on without the figure.
      this.failed = true;
      this.ctx.reporter.detail(`Cannot read the WAL the slot keeps on the source: ${errorMessage(err)}`);
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}

const rank = (l: WalLevel): number => (l === "ok" ? 0 : l === "warn" ? 1 : 2);

/**
 * Before step 9's restore, with the task stopped: nothing consumes the slot until step 10, so
 * it keeps all the WAL the source writes meanwhile. Two readings `sampleMs` apart give the
 * source's write rate (not the full load's recorded growth: DMS was reading the slot then, so
 * that is a lower bound that would under-project); with an estimate of the restore's length, the line is the projection at its end, else the
 * current figure and the rate.
 */
export async function warnWalBeforeRestore(ctx: StepContext, restoreMs?: number, sampleMs = 2_000): Promise<WalVerdict | undefined> {
  const slot = recordedSlotName(ctx.state);
  if (!slot) return undefined;
  let source: PgClient | undefined;
  try {
    source = await openDatabase(ctx, "source");
    const a = await readWalRetention(source, slot, ctx.clock.now());
    if (!a) return undefined;
    await ctx.clock.sleep(sampleMs, ctx.signal);
    const b = (await readWalRetention(source, slot, ctx.clock.now())) ?? a;
    const v = projectWalRetention(b, walGrowthPerHour(a, b), restoreMs, walGuardOptions(ctx.state));
    await recordSourceWatch(ctx, source, slot, b, v);
    const say = v.level === "ok" ? (m: string) => ctx.reporter.info(m) : (m: string) => ctx.reporter.warn(m);
    say(`The DMS task is stopped during the restore: ${lowerFirst(v.message)}.`);
    if (v.fix) ctx.reporter.info(`  To put a limit in place, on the source: ${v.fix}`);
    return v;
  } catch (err) {
    if (ctx.signal.aborted) throw err; // Ctrl-C stops the step; only a failed reading is best effort.
    ctx.reporter.detail(`Cannot read the WAL the slot keeps on the source: ${errorMessage(err)}`);
    return undefined;
  } finally {
    await source?.end().catch(() => undefined);
  }
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
