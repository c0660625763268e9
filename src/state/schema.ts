import * as z from "zod";

/**
 * Bump when the shape changes incompatibly, and add an upgrade in upgrade.ts. A field added with
 * a default (an older file loads as if it were empty) needs no bump.
 * Version 2: every question id dotted camelCase (`cutover.switch-hook` → `cutover.switchHook`).
 * Version 3: the target's location recorded once, in step 3's output (`outputs["aurora-cluster"].target`):
 * no copy of it in the `target.url` answer (which holds only a URL the user gave) nor in the
 * cluster's resource record.
 */
export const STATE_VERSION = 3;

export const SEVERITIES = ["blocker", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One thing a step found: what, how bad, and the exact fix. */
export const findingSchema = z.object({
  /** Stable id of the check, e.g. `settings.wal_level`. */
  check: z.string(),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  found: z.string(),
  fix: z.string().optional(),
  /** True when applying the fix needs a server restart. */
  restartNeeded: z.boolean().optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export const STEP_STATUSES = ["pending", "running", "done", "failed", "interrupted"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const stepRecordSchema = z.object({
  status: z.enum(STEP_STATUSES),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  attempts: z.number().int().nonnegative().default(0),
  summary: z.string().optional(),
  findings: z.array(findingSchema).default([]),
  error: z.object({ message: z.string(), hint: z.string().optional() }).optional(),
  /**
   * While a step is retried: how its previous attempt failed (moved here from `error` when the
   * attempt starts, dropped when it succeeds). Its questions are asked again in a terminal.
   */
  lastFailure: z.object({ message: z.string(), hint: z.string().optional(), at: z.string().optional() }).optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

/** Answers are plain values; secrets are never among them (see ui/prompter.ts). */
export const answerSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);
export type Answer = z.infer<typeof answerSchema>;

/** An answer that was replaced (by --config or in the terminal on a retry), and when. */
export const replacedAnswerSchema = z.object({
  value: answerSchema,
  replacedAt: z.string(),
  /** Where the answer that replaced it came from. */
  by: z.enum(["config", "terminal"]),
});
export type ReplacedAnswer = z.infer<typeof replacedAnswerSchema>;

/**
 * A resource the migration uses or created (AWS ARNs, security-group rules, the slot name…).
 * `createdByUs` decides what cleanup may delete.
 */
export const resourceSchema = z
  .object({
    kind: z.string(),
    id: z.string(),
    arn: z.string().optional(),
    createdByUs: z.boolean(),
    recordedAt: z.string(),
  })
  .catchall(z.unknown());
export type ResourceRecord = z.infer<typeof resourceSchema>;

export const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  /** `aurora-migrate@x.y.z` that created the file. */
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  answers: z.record(z.string(), answerSchema),
  /** Earlier values of answers that were replaced, oldest first, keyed by question id. */
  answerHistory: z.record(z.string(), z.array(replacedAnswerSchema)).default({}),
  steps: z.record(z.string(), stepRecordSchema),
  /** Structured results of steps, keyed by step id; each step validates its own entry. */
  outputs: z.record(z.string(), z.unknown()),
  resources: z.record(z.string(), resourceSchema),
});
export type MigrationState = z.infer<typeof stateSchema>;

export function newState(createdBy: string, now: Date): MigrationState {
  const at = now.toISOString();
  return {
    version: STATE_VERSION,
    createdBy,
    createdAt: at,
    updatedAt: at,
    answers: {},
    answerHistory: {},
    steps: {},
    outputs: {},
    resources: {},
  };
}
