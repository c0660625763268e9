/**
 * Watches a task's CDC lag on the source: samples the WAL position in the background (an
 * unref'd timer and socket, so watching alone never keeps a finished process alive) and turns
 * the positions the subscriber has reached into DMS's latency figures (see cdc-latency.ts).
 * For a cdc task it also makes the named slot confirm what was applied, at each sample
 * (named-slot.ts followNamedSlot).
 */
import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { PgClient } from "../adapters/postgres/connect.js";
import type { Clock } from "../core/clock.js";
import { WalPositionHistory } from "./cdc-latency.js";
import { type PgEndpoint, closeQuietly, connectEndpoint } from "./endpoint.js";
import { followNamedSlot } from "./named-slot.js";

/** CloudWatch's CDCLatencySource / CDCLatencyTarget, in seconds. */
export interface CdcLatency {
  source: number;
  target: number;
}

export class CdcMonitor {
  private readonly history = new WalPositionHistory();
  private session: Promise<PgClient> | undefined;
  private sampler: AbortController | undefined;

  constructor(
    private readonly source: PgEndpoint,
    private readonly slotName: string,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    /** A cdc task's named slot, advanced to what the subscription confirmed in `slotName`. */
    private readonly namedSlot?: string,
  ) {}

  start(): void {
    if (this.sampler) return;
    const abort = new AbortController();
    this.sampler = abort;
    void (async () => {
      while (!abort.signal.aborted) {
        await this.sample();
        await delay(this.intervalMs, undefined, { signal: abort.signal, ref: false }).catch(() => undefined);
      }
    })();
  }

  stop(): void {
    this.sampler?.abort();
    this.sampler = undefined;
  }

  /** The latency now; undefined when the slot is gone or the source cannot be asked. */
  async latency(): Promise<CdcLatency | undefined> {
    const row = await this.sample();
    if (!row) return undefined;
    const now = this.clock.now();
    const source = this.history.ageSeconds(row.sent ?? row.confirmed, now);
    const target = this.history.ageSeconds(row.replayed ?? row.confirmed, now);
    return { source, target: Math.max(source, target) };
  }

  async close(): Promise<void> {
    this.stop();
    const session = this.session;
    this.session = undefined;
    await closeQuietly(await session?.catch(() => undefined));
  }

  /** Records the WAL position now; returns it with the positions the subscriber has reached. */
  private async sample(): Promise<{ confirmed: string; sent: string | null; replayed: string | null } | undefined> {
    try {
      this.session ??= connectEndpoint(this.source).then((client) => {
        // The stream is a net.Socket (or a TLS socket) for a TCP connection.
        (client.connection.stream as Partial<Pick<Socket, "unref">>).unref?.();
        return client;
      });
      const session = await this.session;
      const { rows } = await session.query<{ current: string; confirmed: string | null; sent: string | null; replayed: string | null }>(
        `SELECT pg_current_wal_lsn()::text AS current, s.confirmed_flush_lsn::text AS confirmed,
                r.sent_lsn::text AS sent, r.replay_lsn::text AS replayed
           FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
          WHERE s.slot_name = $1`,
        [this.slotName],
      );
      const row = rows[0];
      if (!row?.confirmed) return undefined;
      this.history.record(this.clock.now(), row.current);
      // Best effort: a named slot someone reads or dropped meanwhile is left as it is.
      if (this.namedSlot !== undefined) await followNamedSlot(session, this.namedSlot).catch(() => undefined);
      return { confirmed: row.confirmed, sent: row.sent, replayed: row.replayed };
    } catch {
      const session = this.session;
      this.session = undefined;
      await closeQuietly(await session?.catch(() => undefined));
      return undefined;
    }
  }
}
