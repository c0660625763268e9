import { APPLICATION_NAME, type PgClient } from "../../adapters/postgres/connect.js";
import type { Clock } from "../../core/clock.js";
import type { QueryResult } from "pg";
import { quoteLiteral } from "../../plan/sql-text.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import { applySql, undoSql } from "./freeze-plan.js";
import type { FreezeRecord } from "./record.js";

export interface FreezeIo {
  /** A session on the source as the tool's login. */
  client: PgClient;
  clock: Clock;
  /** Persists the state; called before every change so each one can be undone. */
  save(): Promise<void>;
  /** Runs a user hook against the source; throws when it exits non-zero. */
  runSourceHook(command: string, what: string, signal?: AbortSignal): Promise<void>;
  /** Progress lines. */
  say(text: string): void;
}

export interface EndedSession {
  pid: number;
  role: string;
  application: string;
}

/** How long ended sessions get to disappear before the freeze is declared impossible. */
const SESSION_EXIT_WAIT_MS = 15_000;
const POLL_MS = 10;

/**
 * Applies a recorded freeze: each change saved as planned before it runs, then marked
 * applied. A role that can still connect afterwards (CONNECT granted by someone else) is set
 * NOLOGIN. Then the frozen roles' sessions on this database are ended and waited for, so no
 * write of theirs can commit after this returns.
 */
export async function applyFreeze(io: FreezeIo, record: FreezeRecord, o: { signal?: AbortSignal } = {}): Promise<void> {
  record.status = "applying";
  await io.save();
  if (record.method === "hook") {
    await io.runSourceHook(record.freezeHook ?? "", "freeze hook", o.signal);
  } else if (record.method === "roles") {
    const stillConnect = await applyChanges(io, record);
    for (const name of stillConnect) {
      io.say(`"${name}" still has CONNECT through a grant the tool cannot revoke; setting it NOLOGIN instead.`);
      record.changes.push({ change: { kind: "nologin", role: name }, status: "planned" });
    }
    if (stillConnect.length) await applyChanges(io, record);
    record.terminated.push(...(await endSessions(io, record.roles)));
  }
  record.status = "applied";
  record.frozenAt = io.clock.now().toISOString();
  await io.save();
}

/**
 * Applies every planned change in one round trip: one batch (the simple protocol runs it as
 * one implicit transaction, so it applies wholly or not at all), ending with the query for the
 * frozen roles that can still connect. Returns those roles. When the batch fails, the changes
 * are applied one by one so the error names the statement that fails.
 */
async function applyChanges(io: FreezeIo, record: FreezeRecord): Promise<string[]> {
  const planned = record.changes.filter((e) => e.status === "planned");
  // Saved as planned before anything runs: a crash mid-batch leaves undos that change nothing.
  await io.save();
  const check = `SELECT r.rolname AS name FROM pg_roles r WHERE r.rolname = ANY(ARRAY[${record.roles.map(quoteLiteral).join(", ")}]::text[]) AND r.rolcanlogin AND has_database_privilege(r.oid, current_database(), 'CONNECT')`;
  const batch = [...planned.map((e) => applySql(e.change, record.database)), check].join(";\n");
  let results: QueryResult<{ name: string }>[];
  try {
    const res = (await io.client.query(batch)) as unknown as QueryResult<{ name: string }> | QueryResult<{ name: string }>[];
    results = Array.isArray(res) ? res : [res];
  } catch {
    return applyOneByOne(io, record, planned, check);
  }
  for (const entry of planned) entry.status = "applied";
  await io.save();
  return results[results.length - 1]!.rows.map((r) => r.name);
}

async function applyOneByOne(io: FreezeIo, record: FreezeRecord, planned: FreezeRecord["changes"], check: string): Promise<string[]> {
  for (const entry of planned) {
    const sql = applySql(entry.change, record.database);
    try {
      await io.client.query(sql);
    } catch (err) {
      throw new OperationError(`The write freeze failed at: ${sql}: ${errorMessage(err)}`, {
        cause: err,
        hint: "Check that the tool's login owns the database or is a superuser (or has CREATEROLE), or use a freeze hook.",
      });
    }
    entry.status = "applied";
    await io.save();
  }
  return (await io.client.query<{ name: string }>(check)).rows.map((r) => r.name);
}

/**
 * Ends the client sessions of `roles` on this database, never the tool's own (application_name
 * aurora-migrate) nor walsenders (replication connections are not client backends), and waits
 * until they are gone. Repeats while a session slipped in between listing and ending.
 */
export async function endSessions(io: Pick<FreezeIo, "client" | "clock">, roles: readonly string[]): Promise<EndedSession[]> {
  const ended: EndedSession[] = [];
  for (let round = 0; round < 5; round += 1) {
    // Listed and ended in one statement: one round trip inside the write window.
    let rows: EndedSession[];
    try {
      ({ rows } = await io.client.query<EndedSession>(
        `SELECT pid, usename AS role, coalesce(application_name, '') AS application, pg_terminate_backend(pid) AS ended
           FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
            AND usename = ANY($1) AND coalesce(application_name, '') <> $2`,
        [roles, APPLICATION_NAME],
      ));
    } catch (err) {
      throw new OperationError(`Cannot end the sessions of ${roles.join(", ")}: ${errorMessage(err)}`, {
        cause: err,
        hint: "The tool's login must be a superuser or a member of pg_signal_backend (GRANT pg_signal_backend TO <login>), or use a freeze hook.",
      });
    }
    if (rows.length === 0) return ended;
    ended.push(...rows.map((r) => ({ pid: r.pid, role: r.role, application: r.application })));
    await waitGone(io, rows.map((r) => r.pid));
  }
  throw new OperationError(`Sessions of ${roles.join(", ")} keep reconnecting to the source after their CONNECT was revoked.`, {
    hint: "Something re-grants their access; stop it, or use a freeze hook (e.g. pause the pooler).",
  });
}

async function waitGone(io: Pick<FreezeIo, "client" | "clock">, pids: number[]): Promise<void> {
  const deadline = io.clock.now().getTime() + SESSION_EXIT_WAIT_MS;
  for (;;) {
    const { rows } = await io.client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)", [pids]);
    if (rows.length === 0) return;
    if (io.clock.now().getTime() > deadline) {
      throw new OperationError(`Sessions ${rows.map((r) => r.pid).join(", ")} did not end within ${SESSION_EXIT_WAIT_MS / 1000} s of pg_terminate_backend.`, {
        hint: "A backend stuck in I/O or a long-running statement ignores the request for a while; try again, or end it on the server.",
      });
    }
    // Not the step's signal: an interrupted cutover must still finish or undo its freeze.
    await io.clock.sleep(POLL_MS);
  }
}

/**
 * Undoes every recorded change, newest first, including ones recorded but never applied
 * (their undo changes nothing). Every undo is attempted; the ones that fail are listed with
 * the statement to run by hand.
 */
export async function liftFreeze(io: FreezeIo, record: FreezeRecord): Promise<void> {
  if (record.status === "lifted") return;
  record.status = "lifting";
  await io.save();
  if (record.method === "hook") {
    await io.runSourceHook(record.unfreezeHook ?? "", "unfreeze hook");
  } else {
    const failed: string[] = [];
    for (const entry of [...record.changes].reverse()) {
      if (entry.status === "undone") continue;
      const sql = undoSql(entry.change, record.database);
      try {
        await io.client.query(sql);
        entry.status = "undone";
        await io.save();
      } catch (err) {
        failed.push(`${sql};  -- ${errorMessage(err)}`);
      }
    }
    if (failed.length) {
      throw new OperationError(`Lifting the write freeze failed for ${failed.length} change(s); the source may still refuse some writes.`, {
        details: failed,
        hint: "Run those statements on the source as a superuser, then `aurora-migrate cutover --unfreeze` to record it.",
      });
    }
  }
  record.status = "lifted";
  record.liftedAt = io.clock.now().toISOString();
  await io.save();
}
