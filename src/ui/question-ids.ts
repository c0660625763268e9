/**
 * Every question id the tool asks: the keys a --config file may hold (and the keys of the
 * state's answers). A key not listed here would be read by nothing, so --config refuses it
 * (config.ts). Each id is declared where its question is asked; this list gathers them, and
 * test/unit/question-ids.test.ts fails when a question's id is missing from it. Issue 12 adds
 * an `answers` command that lists them with their type, default and meaning.
 */
export const QUESTION_IDS: readonly string[] = [
  // Step 1, and the target of the commands that take --target.
  "source.url",
  "target.url",
  // Step 2.
  "source.schemas",
  // Step 3.
  "aurora.mode",
  "aurora.clusterId",
  "aurora.engineVersion",
  "aurora.subnetGroup",
  "aurora.instanceClass",
  "aurora.masterUsername",
  "aurora.passwordMode",
  "aurora.reader",
  "aurora.public",
  "aurora.clientCidr",
  "aurora.caBundle",
  // Step 4.
  "dms.subnetGroup",
  "dms.instance.mode",
  "dms.instance.id",
  "dms.instance.class",
  "dms.instance.storageGb",
  "dms.instance.multiAz",
  "dms.instance.public",
  // Step 5.
  "dms.captureDdls",
  ...(["source", "target"] as const).flatMap((role) => [`dms.${role}Endpoint.id`, `dms.${role}.sslMode`, `dms.${role}.credentials`]),
  "dms.source.credentialsArn",
  "dms.target.username",
  // Step 6.
  "dms.task.id",
  // Step 7.
  "schema.method",
  "schema.hook",
  "schema.setAsideIndexes",
  "schema.replaceExisting",
  // Step 8.
  "keyChanges.capture",
  // Step 9.
  "restore.jobs",
  // Step 11.
  "sync.thresholdSeconds",
  "sync.periods",
  // Step 12 (and `cutover`).
  "cutover.max-latency-seconds",
  "cutover.skip-row-counts",
  "cutover.freeze-method",
  "cutover.freeze-roles",
  "cutover.freeze-hook",
  "cutover.unfreeze-hook",
  "cutover.switch-hook",
  "cutover.drain-timeout-seconds",
  "cutover.confirm-freeze",
  "cutover.verify",
  "cutover.hookTimeoutSeconds",
  "cutover.switch-happened",
  // Step 13 (and `cleanup`).
  "cleanup.before-cutover",
  "cleanup.stop-task",
  "cleanup.delete-task",
  "cleanup.delete-endpoints",
  "cleanup.delete-certificates",
  "cleanup.delete-instance",
  "cleanup.delete-subnet-group",
  "cleanup.delete-secrets",
  "cleanup.delete-secret-roles",
  "cleanup.revoke-rules",
  "cleanup.drop-slot",
  "cleanup.drop-dms-artefacts",
  "cleanup.drop-key-changes",
  "cleanup.drop-marker",
];

/** Questions whose answer is a secret: asked hidden, never taken from a --config file. */
export const SECRET_QUESTION_IDS: readonly string[] = ["source.password", "target.password", "dms.target.password"];
