import { readOutput } from "../migration/outputs/read.js";
import type { MigrationState } from "../state/schema.js";
import { resumeCommand, switchedCommand, unfreezeCommand } from "../state/paths.js";

/** A write freeze on the source that is (or may still be) in force, as `status` shows it. */
export interface FreezeStatus {
  /** "applying", "applied" or "lifting": anything but lifted means the source may be frozen. */
  status: "applying" | "applied" | "lifting";
  method: "roles" | "hook" | "none";
  database: string;
  /** The app roles frozen (method "roles"). */
  roles: string[];
  /** When writes stopped; the cutover's start when the freeze was still being applied. */
  since?: string;
  /** When the switch hook started, as the cutover recorded it (absent: it never started). */
  switchStartedAt?: string;
  /** The cutover finished the switch: the source stays frozen on purpose. */
  switched: boolean;
  /** The switch started and did not finish: the app may already write on the target. */
  appMayBeOnTarget: boolean;
  /** The exact command that lifts the freeze. */
  liftCommand: string;
}

/** The freeze in force recorded in the state, or undefined when there is none (or it was lifted). */
export function freezeStatus(state: MigrationState, statePath: string): FreezeStatus | undefined {
  const recorded = readOutput({ state, options: { statePath } }, "cutover");
  if (!recorded) return undefined;
  const { freeze, report } = recorded;
  if (!freeze || freeze.status === "lifted") return undefined;
  const switched = report?.outcome === "switched" || recorded.switch?.finishedAt !== undefined;
  const switchStartedAt = recorded.switch?.startedAt;
  const since = freeze.frozenAt ?? state.steps["cutover"]?.startedAt;
  return {
    status: freeze.status,
    method: freeze.method,
    database: freeze.database,
    roles: freeze.roles,
    ...(since ? { since } : {}),
    ...(switchStartedAt ? { switchStartedAt } : {}),
    switched,
    appMayBeOnTarget: switchStartedAt !== undefined && !switched,
    liftCommand: unfreezeCommand(statePath),
  };
}

/** The lines `status` prints for a freeze in force. */
export function freezeStatusLines(f: FreezeStatus, options: { statePath: string; configPath?: string }): string[] {
  const how =
    f.method === "roles" ? `the app's roles ${f.roles.join(", ") || "(none recorded)"} lost write access on ${f.database}` : f.method === "hook" ? `your freeze command ran on ${f.database}` : `method none on ${f.database}`;
  const lines = [`Writes on the source are frozen${f.since ? ` since ${f.since}` : ""} (${f.status}): ${how}.`];
  if (f.switched) {
    lines.push("The app was switched to the target; the source stays frozen on purpose, so nothing writes to the old server by mistake.");
    lines.push(`To roll back to the source, lift the freeze: ${f.liftCommand}`);
  } else if (f.appMayBeOnTarget) {
    lines.push(`The switch hook started at ${f.switchStartedAt ?? "?"} and did not finish: the app may already be on the target.`);
    lines.push("Check where the app writes now. If it writes on the target, record the switch as done with:");
    lines.push(`  ${switchedCommand(options.statePath)}`);
    lines.push("If it still uses the source, lift the freeze (the app writes on the source again) with:");
    lines.push(`  ${f.liftCommand}`);
  } else {
    lines.push("The cutover did not finish: the app cannot write on the source until the freeze is lifted or the cutover is run again.");
    lines.push(`Lift the freeze: ${f.liftCommand}`);
    lines.push(`Or run the cutover again: ${resumeCommand(options)}`);
  }
  return lines;
}
