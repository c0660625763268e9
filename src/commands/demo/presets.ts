/**
 * The demo's answers to the wizard's questions (by question id): what a person would choose
 * for this migration. Only what differs from the wizard's own defaults, or has none, is here.
 */
import type { Answer } from "../../state/schema.js";
import { questionInfo } from "../../ui/question-catalog.js";
import { APP_SCHEMA } from "./schema.js";

export interface DemoPresetInput {
  /** The source database's URL (no password). */
  sourceUrl: string;
  /** "built-in" when a pg_dump fitting the source is installed, else "hook". */
  schemaMethod: "built-in" | "hook";
  /** The hook command that loads the demo's schema (hook method). */
  schemaHook: string;
  /** The switch hook command (the demo's switch-app-hook with the file the app watches). */
  switchHook: string;
  /**
   * demo --rollback: keep a rollback window, and the switch-back hook (the same switch-app-hook:
   * the old server's URL to the file the app watches). Without it the demo shows the forward
   * path only: its "Aurora" runs without wal_level=logical, so it could not be a DMS source.
   */
  rollback?: boolean;
}

export function demoPresets(o: DemoPresetInput): Record<string, Answer> {
  return {
    "source.url": o.sourceUrl,
    "source.schemas": [APP_SCHEMA],
    "aurora.mode": "create",
    "aurora.clusterId": "shop-aurora",
    "dms.instance.id": "shop-dms",
    "schema.method": o.schemaMethod,
    ...(o.schemaMethod === "hook" ? { "schema.hook": o.schemaHook } : {}),
    // CloudWatch's periods are 60 s: one period under the threshold keeps the demo short.
    "sync.thresholdSeconds": 5,
    "sync.periods": 1,
    "cutover.switchHook": o.switchHook,
    "cutover.drainTimeoutSeconds": 120,
    "rollback.window": o.rollback === true,
    ...(o.rollback === true ? { "rollback.switchBackHook": o.switchHook, "rollback.maxLatencySeconds": 30 } : {}),
  };
}

/**
 * The user's --config answers as the demo takes them: each replaces the demo's own choice,
 * except a value that is the wizard's default for a question the demo answers itself. A
 * template from `answers --template` holds every default, and those must not undo the demo's
 * scenario (its one-period sync wait, its schema method for the servers at hand); a value the
 * user changed is one they mean. `kept` lists the ids where the demo's choice stays.
 */
export function configOverPresets(config: Readonly<Record<string, Answer>>, presets: Readonly<Record<string, Answer>>): { config: Record<string, Answer>; kept: string[] } {
  const taken: Record<string, Answer> = {};
  const kept: string[] = [];
  for (const [id, value] of Object.entries(config)) {
    const wizardDefault = questionInfo(id)?.default;
    if (Object.hasOwn(presets, id) && wizardDefault !== undefined && JSON.stringify(value) === JSON.stringify(wizardDefault) && JSON.stringify(value) !== JSON.stringify(presets[id])) kept.push(id);
    else taken[id] = value;
  }
  return { config: taken, kept };
}
