/**
 * The wizard's steps, id and title, in order, without their code: what `status` (and anything
 * else that only prints what the state records) needs, so it loads no step, no pg, no AWS SDK.
 * test/unit/step-titles.test.ts holds it equal to WIZARD_STEPS (steps/index.ts).
 */
export const STEP_TITLES: readonly { readonly id: string; readonly title: string }[] = [
  { id: "source-connection", title: "Source connection" },
  { id: "source-preflight", title: "Source preflight" },
  { id: "aurora-cluster", title: "Aurora cluster" },
  { id: "replication-instance", title: "DMS replication instance" },
  { id: "dms-endpoints", title: "DMS endpoints" },
  { id: "dms-task", title: "DMS task" },
  { id: "schema-load", title: "Schema load" },
  { id: "full-load", title: "Full load" },
  { id: "restore-and-sequences", title: "Restore set-aside objects and reset sequences" },
  { id: "resume-task", title: "Resume the task" },
  { id: "sync-wait", title: "Wait for sync" },
  { id: "cutover", title: "Cutover" },
  { id: "cleanup", title: "Cleanup" },
];
