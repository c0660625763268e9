import { shellQuote } from "../core/shell-quote.js";

/** The state file used when --state is not given. Kept apart so `--help` loads nothing else. */
export const DEFAULT_STATE_PATH = "./aurora-migrate.state.json";

/** The exact command line to run `verb` on this migration again, for messages (`namingState`: --state even for the default file). */
export function commandFor(verb: string, options: { statePath: string; configPath?: string }, namingState = false): string {
  const parts = [`aurora-migrate ${verb}`];
  if (namingState || options.statePath !== DEFAULT_STATE_PATH) parts.push(`--state ${shellQuote(options.statePath)}`);
  if (options.configPath) parts.push(`--config ${shellQuote(options.configPath)}`);
  return parts.join(" ");
}

/** The exact command that lifts the write freeze recorded in this migration's state (always naming the state file). */
export function unfreezeCommand(statePath: string): string {
  return `aurora-migrate cutover --unfreeze --state ${shellQuote(statePath)}`;
}

/** The exact command that records an unfinished switch as done (the app is on the target). */
export function switchedCommand(statePath: string): string {
  return `aurora-migrate cutover --switched --state ${shellQuote(statePath)}`;
}

/** The exact command that continues this migration. */
export function resumeCommand(options: { statePath: string; configPath?: string }): string {
  return commandFor("resume", options);
}
