import { type Clock, systemClock } from "../../src/core/clock.js";

/**
 * Shared by the rollback-window tests (cutover with a window, rollback, key changes, the
 * end-to-end run over the stand-in).
 */

/** Real time, short waits: DMS polls (seconds apart) become 20 ms; timeouts count real time only. */
export const shortSleepClock: Clock = { now: () => new Date(), sleep: (ms, signal) => systemClock.sleep(Math.min(ms, 20), signal) };

/** Waits up to 250 ms of real time and counts the rest as passed: AWS polling runs quickly, its timeouts still count. */
export function skippingClock(): Clock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error("aborted"));
      const real = Math.min(ms, 250);
      offset += ms - real;
      return new Promise((r) => setTimeout(r, real));
    },
  };
}

/** The forward task's table mappings as step 6 writes them for schema public: every table, and the cutover marker. */
export const FORWARD_MAPPINGS = JSON.stringify({
  rules: [
    { "rule-type": "selection", "rule-id": "1", "rule-name": "include-1", "object-locator": { "schema-name": "public", "table-name": "%" }, "rule-action": "include" },
    { "rule-type": "selection", "rule-id": "2", "rule-name": "aurora-migrate-cutover-marker", "object-locator": { "schema-name": "aurora_migrate", "table-name": "cutover_marker" }, "rule-action": "explicit" },
  ],
});
