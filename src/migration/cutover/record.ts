import * as z from "zod";

/**
 * One change the freeze makes on the source. Each is recorded (and saved) before it is
 * applied, and each undo is idempotent, so a freeze can always be lifted exactly — after a
 * failure, a crash, or at the user's request — even when a change was recorded but never ran.
 * `grantee` "public" is the PUBLIC pseudo-role (no real role can be named "public").
 */
export const freezeChangeSchema = z.discriminatedUnion("kind", [
  /** ALTER ROLE … IN DATABASE … SET default_transaction_read_only = on; `previous` is the value it had there, null when unset. */
  z.object({ kind: z.literal("read-only-default"), role: z.string(), previous: z.string().nullable() }),
  /** An explicit CONNECT for a role that keeps access and had it only through PUBLIC. */
  z.object({ kind: z.literal("grant-connect"), grantee: z.string() }),
  /** REVOKE CONNECT; `grantable` restores WITH GRANT OPTION on undo. */
  z.object({ kind: z.literal("revoke-connect"), grantee: z.string(), grantable: z.boolean() }),
  /** ALTER ROLE … NOLOGIN, for a role whose CONNECT cannot be taken away on this database. */
  z.object({ kind: z.literal("nologin"), role: z.string() }),
]);
export type FreezeChange = z.infer<typeof freezeChangeSchema>;

export const CHANGE_STATUSES = ["planned", "applied", "undone"] as const;

export const freezeRecordSchema = z.object({
  method: z.enum(["roles", "hook", "none"]),
  database: z.string(),
  /** The app roles frozen (method "roles"). */
  roles: z.array(z.string()).default([]),
  changes: z.array(z.object({ change: freezeChangeSchema, status: z.enum(CHANGE_STATUSES) })).default([]),
  /** Commands of method "hook" (not secrets: the user's own shell commands). */
  freezeHook: z.string().optional(),
  unfreezeHook: z.string().optional(),
  /** applying → applied → lifting → lifted. Anything but "lifted" means the source may still be frozen. */
  status: z.enum(["applying", "applied", "lifting", "lifted"]),
  /** Sessions ended by the freeze. */
  terminated: z.array(z.object({ pid: z.number(), role: z.string(), application: z.string() })).default([]),
  frozenAt: z.string().optional(),
  liftedAt: z.string().optional(),
});
export type FreezeRecord = z.infer<typeof freezeRecordSchema>;

export const VERIFY_MODES = ["counts", "checksum", "none"] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export const verificationSchema = z.object({
  mode: z.enum(VERIFY_MODES),
  /** equal: nothing differs; differ: `differences` lists the tables; failed: the check itself could not run (`error`); skipped: mode none. */
  result: z.enum(["equal", "differ", "failed", "skipped"]),
  startedAt: z.string().optional(),
  ms: z.number().optional(),
  tables: z.number().optional(),
  differences: z.array(z.string()).default([]),
  error: z.string().optional(),
});
export type Verification = z.infer<typeof verificationSchema>;

/**
 * The switch: saved (fsynced) before the switch hook starts, so that a crash while it runs can
 * never be mistaken for a cutover that did not switch. Started without finished means the app
 * may already be on the target: nothing lifts the freeze by itself then.
 */
export const switchRecordSchema = z.object({
  hook: z.string(),
  startedAt: z.string(),
  /** The hook exited 0, or the user confirmed (`cutover --switched`) that the app is on the target. */
  finishedAt: z.string().optional(),
  confirmedByUser: z.boolean().optional(),
  /** The user lifted the freeze (`cutover --unfreeze`) after checking the app is not on the target. */
  abandonedAt: z.string().optional(),
});
export type SwitchRecord = z.infer<typeof switchRecordSchema>;

export const cutoverReportSchema = z.object({
  /** When writes on the source stopped (freeze applied and the app's sessions gone). */
  frozeAt: z.string(),
  /** When the marker written after the freeze was seen on the target. */
  drainedAt: z.string().optional(),
  /** When the switch hook finished successfully. */
  switchedAt: z.string().optional(),
  /** switchedAt − frozeAt, or until the freeze was lifted after a failure. */
  windowSeconds: z.number().optional(),
  drainSeconds: z.number().optional(),
  sequences: z.string().optional(),
  /** The exact row-count comparison after the drain, e.g. "12 tables equal". */
  rowCounts: z.string().optional(),
  /** The repair of primary-key changes DMS ignored (absent when none were recorded on the source). */
  keyChanges: z
    .object({
      /** Key-changing UPDATEs recorded on the source. */
      recorded: z.number(),
      /** Distinct keys, old and new, whose rows were re-synced on the target. */
      keys: z.number(),
      copied: z.number(),
      deleted: z.number(),
    })
    .optional(),
  /** The write window, phase by phase, in milliseconds (each phase's own time; totalMs = freeze to hook end). */
  window: z
    .object({
      freezeMs: z.number(),
      drainMs: z.number().optional(),
      keyChangesMs: z.number().optional(),
      sequencesMs: z.number().optional(),
      /** The rollback window: the forward task stopped (waited until DMS says stopped), then the Aurora slot created. */
      forwardStopMs: z.number().optional(),
      slotMs: z.number().optional(),
      hookMs: z.number().optional(),
      totalMs: z.number().optional(),
    })
    .optional(),
  /** The comparison of the frozen source with the target as of the drain, run after the switch. */
  verification: verificationSchema.optional(),
  outcome: z.enum(["switched", "rolled-back"]),
  /** Why it was rolled back. */
  failure: z.string().optional(),
});
export type CutoverReport = z.infer<typeof cutoverReportSchema>;

/** `state.outputs["cutover"]`. */
export const cutoverOutputSchema = z.object({
  freeze: freezeRecordSchema.optional(),
  marker: z.object({ token: z.string(), id: z.number(), writtenAt: z.string(), seenAt: z.string().optional() }).optional(),
  switch: switchRecordSchema.optional(),
  report: cutoverReportSchema.optional(),
});
export type CutoverOutput = z.infer<typeof cutoverOutputSchema>;
