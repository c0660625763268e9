import * as z from "zod";

/** Step 9's `restore-and-sequences`: what it restored, refreshed, moved and granted. */
export const restoreAndSequencesOutput = z.looseObject({
  restored: z.number(),
  alreadyPresent: z.number(),
  jobs: z.number(),
  attached: z.number(),
  parity: z.object({ blockers: z.number(), warnings: z.number() }),
  matviews: z.object({ refreshed: z.array(z.string()), missingOnTarget: z.array(z.string()) }),
  sequences: z.object({ moved: z.number(), unchanged: z.number(), missingOnTarget: z.number() }),
  privileges: z.object({ granted: z.number(), missingRoles: z.array(z.string()) }),
});
export type RestoreAndSequencesOutput = z.infer<typeof restoreAndSequencesOutput>;

/** Step 13's `cleanup`: when it started removing things, and its last run's report. */
export const cleanupOutput = z.looseObject({
  /** Set before the first removal: from then on done steps are not verified against AWS any more. */
  startedAt: z.string().optional(),
  ranAt: z.string().optional(),
  done: z.array(z.string()).default([]),
  alreadyGone: z.array(z.string()).default([]),
  remaining: z.array(z.string()).default([]),
});
export type CleanupOutput = z.infer<typeof cleanupOutput>;
