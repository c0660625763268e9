import { UsageError } from "../core/errors.js";
import { firstUnfinished } from "../wizard/runner.js";
import { type Step } from "../migration/context.js";
import { shellQuote } from "../core/shell-quote.js";
import { commandFor } from "../state/paths.js";
import type { MigrationState } from "../state/schema.js";

/**
 * Pure: why `start` refuses a state file that already records a migration (often one whose
 * `start` failed), with the way on (`resume`, the state file named) and the ways to start over.
 * `state` is undefined when the file could not be read.
 */
export function startRefusal(options: { statePath: string; configPath?: string }, steps: readonly Step<never>[], state: MigrationState | undefined): UsageError {
  const file = options.statePath;
  let where = "";
  if (state) {
    const next = firstUnfinished(steps, state);
    const index = next ? steps.indexOf(next) : -1;
    const status = next ? (state.steps[next.id]?.status ?? "pending") : undefined;
    const progress = next ? `step ${index + 1}/${steps.length} (${next.title}) ${status === "pending" ? "not started" : status}` : "every step done";
    where = ` (started ${state.createdAt}; ${progress})`;
  }
  const live = state ? Object.values(state.resources).filter((r) => r.createdByUs && r["deletedAt"] === undefined) : [];
  const deleting = live.length
    ? `it records ${live.length} resource(s) this migration created (${live.map((r) => `${r.kind} ${r.id}`).join(", ")}): delete them first with \`${commandFor("cleanup", options, true)}\`, or nothing will track them any more`
    : state
      ? "it records no resource this migration created, so nothing is left behind"
      : "it could not be read, so check first that it records nothing you still need";
  return new UsageError(`A migration is already recorded in ${file}${where}.`, {
    hint: [
      `Continue it with: ${commandFor("resume", options, true)}`,
      `To start over instead: pass another --state path to \`start\`, or delete ${file} (rm ${shellQuote(file)}); ${deleting}.`,
    ].join("\n"),
  });
}
