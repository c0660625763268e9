/**
 * Question ids renamed when every id became dotted camelCase (state version 2). An older state
 * file's answers are moved to the new ids by the state upgrade (state/upgrade.ts); an old id in a
 * --config file is taken as its new id, with a warning naming it (config.ts), so an unattended
 * run scripted before the rename keeps working while it is updated.
 */
export const RENAMED_IDS: Readonly<Record<string, string>> = {
  "cutover.max-latency-seconds": "cutover.maxLatencySeconds",
  "cutover.skip-row-counts": "cutover.skipRowCounts",
  "cutover.freeze-method": "cutover.freezeMethod",
  "cutover.freeze-roles": "cutover.freezeRoles",
  "cutover.freeze-hook": "cutover.freezeHook",
  "cutover.unfreeze-hook": "cutover.unfreezeHook",
  "cutover.switch-hook": "cutover.switchHook",
  "cutover.drain-timeout-seconds": "cutover.drainTimeoutSeconds",
  "cutover.confirm-freeze": "cutover.confirmFreeze",
  "cutover.switch-happened": "cutover.switchHappened",
  "cleanup.before-cutover": "cleanup.beforeCutover",
  "cleanup.stop-task": "cleanup.stopTask",
  "cleanup.delete-task": "cleanup.deleteTask",
  "cleanup.delete-endpoints": "cleanup.deleteEndpoints",
  "cleanup.delete-instance": "cleanup.deleteInstance",
  "cleanup.delete-subnet-group": "cleanup.deleteSubnetGroup",
  "cleanup.delete-secrets": "cleanup.deleteSecrets",
  "cleanup.delete-secret-roles": "cleanup.deleteSecretRoles",
  "cleanup.revoke-rules": "cleanup.revokeRules",
  "cleanup.drop-slot": "cleanup.dropSlot",
  "cleanup.drop-dms-artefacts": "cleanup.dropDmsArtefacts",
  "cleanup.drop-key-changes": "cleanup.dropKeyChanges",
  "cleanup.drop-marker": "cleanup.dropMarker",
};

/** Ids no question asks any more, with why: a --config file holding one gets a warning, not a refusal. */
export const RETIRED_IDS: Readonly<Record<string, string>> = {
  "source.dmsCidr": "the pg_hba.conf lines for the replication instance are printed once step 4 knows its address; check-source keeps --dms-cidr",
};
