/** The questions of the cutover (step 12) and the cleanup (step 13); see question-catalog.ts. */
import type { QuestionInfo } from "./question-catalog.js";

const cleanup = (id: string, meaning: string): QuestionInfo => ({ id: `cleanup.${id}`, type: "confirm", step: 13, meaning, destructive: true });

export const CUTOVER_QUESTIONS: readonly QuestionInfo[] = [
  // Step 12.
  { id: "cutover.maxLatencySeconds", type: "number", step: 12, meaning: "highest CDC latency (seconds) at which the cutover may start: writes stay frozen until DMS has caught up", default: 10, min: 0 },
  { id: "cutover.skipRowCounts", type: "confirm", step: 12, meaning: "skip the row-count check before the freeze (and by default the comparison after the switch); only when validated another way", default: false, flag: "--skip-validation" },
  {
    id: "cutover.freezeMethod",
    type: "select",
    step: 12,
    meaning: "how writes on the source are frozen: roles (the app's roles lose access, undone exactly on failure), hook (your commands), none (writes during the switch may be lost)",
    default: "roles",
    choices: ["roles", "hook", "none"],
  },
  {
    id: "cutover.freezeRoles",
    type: "multiSelect",
    step: 12,
    meaning: "the app's roles on the source, which lose write access during the switch",
    when: "cutover.freezeMethod roles",
    defaultFrom: "every role that can log in and connect, except superusers, REPLICATION roles and the tool's own login",
    choicesFrom: "the source's roles",
  },
  { id: "cutover.freezeHook", type: "text", step: 12, meaning: "command that stops the app's writes to the source (sh -c, with the source's DATABASE_URL/PG*), e.g. pausing the pooler", when: "cutover.freezeMethod hook" },
  { id: "cutover.unfreezeHook", type: "text", step: 12, meaning: "command that undoes the freeze hook if the cutover fails", when: "cutover.freezeMethod hook" },
  { id: "cutover.switchHook", type: "text", step: 12, meaning: "command that points the app at the target (sh -c, with the target's DATABASE_URL/PG*); a non-zero exit rolls the cutover back" },
  { id: "cutover.drainTimeoutSeconds", type: "number", step: 12, meaning: "how long to wait (seconds) for the target to have every write before rolling back", default: 600, min: 1 },
  {
    id: "cutover.verify",
    type: "select",
    step: 12,
    meaning: "after the switch, compare the frozen source with the target as of the drain: counts (exact row counts), checksum (counts and content), none",
    default: "counts",
    defaultFrom: "counts; none when cutover.skipRowCounts is true",
    choices: ["counts", "checksum", "none"],
    flag: "--verify, --skip-validation",
  },
  { id: "cutover.hookTimeoutSeconds", type: "number", step: 12, meaning: "longest a freeze, unfreeze or switch command may run (seconds) before its process group is ended", default: 300, min: 1 },
  { id: "cutover.confirmFreeze", type: "confirm", step: 12, meaning: "freeze writes on the source and switch the app to the target now", destructive: true },
  {
    id: "cutover.switchHappened",
    type: "confirm",
    step: 12,
    meaning: "after a switch command was interrupted: is the app now on the target? (never reused for a later switch; also `cutover --switched`)",
    default: false,
    perEvent: true,
  },
  // `aurora-migrate rollback` (the rollback window, issue 14).
  { id: "rollback.maxLatencySeconds", type: "number", step: 12, meaning: "highest CDC latency (seconds) of the reverse task at which `rollback` may start: Aurora stays frozen until the old server has every write", default: 10, min: 0 },
  { id: "rollback.switchBackHook", type: "text", step: 12, meaning: "`rollback`: command that points the app at the old server again (sh -c, with the old server's DATABASE_URL/PG*); a non-zero exit undoes the rollback" },
  { id: "rollback.confirmFreeze", type: "confirm", step: 12, meaning: "`rollback`: freeze the app's writes on Aurora and switch it back to the old server now", destructive: true },
  {
    id: "rollback.switchBackHappened",
    type: "confirm",
    step: 12,
    meaning: "after a switch-back command was interrupted: is the app now on the old server? (never reused for a later one; also `rollback --switched`)",
    default: false,
    perEvent: true,
  },
  // Step 13.
  cleanup("beforeCutover", "clean up although the cutover has not switched the app (replication stops for good)"),
  cleanup("stopTask", "stop the DMS task"),
  cleanup("deleteTask", "delete the DMS task"),
  cleanup("deleteEndpoints", "delete the DMS endpoints the tool created"),
  cleanup("deleteCertificates", "delete the DMS certificate (Aurora's CA bundle) the tool imported"),
  cleanup("deleteSecretRoles", "delete the IAM roles DMS read the endpoints' secrets through"),
  cleanup("deleteSecrets", "delete the endpoints' Secrets Manager secrets the tool created"),
  cleanup("deleteInstance", "delete the DMS replication instance the tool created"),
  cleanup("deleteSubnetGroup", "delete the DMS replication subnet group the tool created"),
  cleanup("revokeRules", "revoke the security-group rules the tool added"),
  cleanup("deleteClusterParameterGroup", "delete the Aurora cluster parameter group the tool created (rollback window), once no cluster uses it"),
  cleanup("dropSlot", "drop DMS's replication slot on the source (refused while it is active)"),
  cleanup("dropDmsArtefacts", "remove DMS's DDL-capture objects from the source"),
  cleanup("dropKeyChanges", "remove the key-change trigger, table and function from the source"),
  cleanup("dropMarker", "drop the tool's aurora_migrate schema (the cutover marker) on the source and the target"),
];
