import { randomUUID } from "node:crypto";
import type { PgClient } from "../../adapters/postgres/connect.js";
import { MARKER_QUALIFIED, TOOL_SCHEMA, MARKER_TABLE } from "../../adapters/postgres/marker.js";
import type { Clock } from "../../core/clock.js";
import { OperationError } from "../../core/errors.js";
import type { Spinner } from "../../ui/reporter.js";

export interface Marker {
  id: number;
  token: string;
}

/** Writes a fresh marker row on the source (after the freeze: every earlier commit precedes it). */
export async function writeMarker(source: PgClient): Promise<Marker> {
  const token = randomUUID();
  const { rows } = await source.query<{ id: string }>(
    `INSERT INTO ${MARKER_QUALIFIED} (id, token) SELECT coalesce(max(id), 0) + 1, $1 FROM ${MARKER_QUALIFIED} RETURNING id`,
    [token],
  );
  return { id: Number(rows[0]!.id), token };
}

/** True when the marker table exists on that database. */
export async function markerTableExists(client: PgClient): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [`"${TOOL_SCHEMA}"."${MARKER_TABLE}"`]);
  return rows[0]?.found === true;
}

export interface WaitOptions {
  clock: Clock;
  signal: AbortSignal;
  timeoutSeconds: number;
  pollMs?: number;
  spinner: Spinner;
}

/**
 * Waits until the marker's row is on the target: proof that every commit before it arrived
 * (DMS applies changes in commit order). Returns the moment it was seen.
 */
export async function waitForMarker(target: PgClient, marker: Marker, o: WaitOptions): Promise<Date> {
  const started = o.clock.now().getTime();
  // Tight: every poll saved is time the source stays frozen. One indexed lookup each.
  const poll = o.pollMs ?? 10;
  let shown = 0;
  for (;;) {
    const { rows } = await target.query(`SELECT 1 FROM ${MARKER_QUALIFIED} WHERE id = $1 AND token = $2`, [marker.id, marker.token]);
    const now = o.clock.now();
    if (rows.length) return now;
    const waited = (now.getTime() - started) / 1000;
    if (waited >= o.timeoutSeconds) {
      throw new OperationError(`The marker written on the source after the freeze did not reach the target within ${o.timeoutSeconds} s.`, {
        hint: "DMS is behind or the task stopped: check `aurora-migrate status` and the task's log, then run the cutover again (raise cutover.drainTimeoutSeconds for a slow task).",
      });
    }
    if (waited - shown >= 0.25) {
      shown = waited;
      o.spinner.update(`Waiting for the marker (row ${marker.id}) on the target… ${waited.toFixed(1)} s`);
    }
    await o.clock.sleep(poll, o.signal);
  }
}
