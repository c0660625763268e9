/** The questions of steps 1–11 (see question-catalog.ts for what each field means). */
import type { QuestionInfo } from "./question-catalog.js";

const sourcePasswordWays = "the URL typed at the prompt (kept in memory only), PGPASSWORD, ~/.pgpass, or a hidden prompt";

const endpoint = (role: "source" | "target"): QuestionInfo[] => [
  {
    id: `dms.${role}Endpoint.id`,
    type: "text",
    step: 5,
    meaning: `identifier of the DMS ${role} endpoint (stored lowercase)`,
    defaultFrom: `<the source database's name>-${role}`,
  },
  { id: `dms.${role}.sslMode`, type: "select", step: 5, meaning: `SSL between DMS and the ${role}: require (encrypted) or none (only inside a private network)`, default: "require", choices: ["require", "none"] },
  {
    id: `dms.${role}.credentials`,
    type: "select",
    step: 5,
    meaning: `how DMS logs in to the ${role}: a Secrets Manager secret read through a role only DMS may assume, or the endpoint's password field`,
    default: "secret",
    choices: ["secret", "password"],
  },
];

export const WIZARD_QUESTIONS: readonly QuestionInfo[] = [
  // Step 1.
  { id: "source.url", type: "text", step: 1, meaning: "the source's URL, postgres://user@host:5432/dbname (a password typed in it is kept in memory only, never recorded)", flag: "--source" },
  { id: "source.password", type: "secret", step: 1, meaning: "password of the source's login, when the server asks for one", givenBy: sourcePasswordWays },
  // Step 2.
  {
    id: "source.schemas",
    type: "multiSelect",
    step: 2,
    meaning: "schemas to migrate",
    defaultFrom: "every schema of the source that has tables",
    choicesFrom: "the source's non-system schemas",
  },
  // Step 3.
  { id: "aurora.mode", type: "select", step: 3, meaning: "create a new Aurora cluster, or use an existing one", default: "create", choices: ["create", "existing"] },
  {
    id: "aurora.clusterId",
    type: "text",
    alsoAs: ["select"],
    step: 3,
    meaning: "identifier of the new cluster (1–63 letters, digits, hyphens; stored lowercase), or the existing cluster to use (aurora.mode existing)",
    defaultFrom: "for a new cluster, one named after the source database; an existing one has no default",
  },
  { id: "aurora.caBundle", type: "text", step: 3, meaning: "RDS CA bundle (PEM) of the region, to verify Aurora's certificate (sslmode=verify-full); empty: encrypted without verifying", default: "", defaultFrom: "empty; when step 3 is retried, the answer given before", flag: "--ca-bundle" },
  {
    id: "target.url",
    type: "text",
    step: 3,
    meaning: "URL this tool reaches Aurora through instead of the cluster's endpoint (e.g. a tunnel); empty: the writer endpoint. Also what validate and sync-sequences compare against",
    default: "",
    defaultFrom: "empty; when step 3 is retried, the answer given before",
    flag: "--target (validate, sync-sequences)",
  },
  {
    id: "aurora.engineVersion",
    type: "select",
    alsoAs: ["text"],
    step: 3,
    meaning: "Aurora PostgreSQL version of a new cluster (the source's major or newer)",
    when: "aurora.mode create",
    defaultFrom: "the smallest jump from the source's version the region offers",
    choicesFrom: "the region's aurora-postgresql versions (DescribeDBEngineVersions)",
  },
  {
    id: "aurora.subnetGroup",
    type: "select",
    alsoAs: ["text"],
    step: 3,
    meaning: "DB subnet group of a new cluster (it decides the VPC)",
    when: "aurora.mode create",
    defaultFrom: "the group named default, else the first",
    choicesFrom: "the region's DB subnet groups",
  },
  { id: "aurora.masterUsername", type: "text", step: 3, meaning: "master user name of a new cluster", when: "aurora.mode create", default: "postgres" },
  {
    id: "aurora.passwordMode",
    type: "select",
    step: 3,
    meaning: "master password of a new cluster: managed (RDS generates it and keeps it in Secrets Manager) or prompt (typed, sent to AWS only)",
    when: "aurora.mode create",
    default: "managed",
    choices: ["managed", "prompt"],
  },
  {
    id: "target.password",
    type: "secret",
    step: 3,
    meaning: "the master password typed for a new cluster (aurora.passwordMode prompt), or the password of target.url's login",
    givenBy: "a hidden prompt, or the password in target.url (kept in memory only); RDS's own secret when it manages the password",
  },
  { id: "aurora.instanceClass", type: "text", step: 3, meaning: "instance class of the writer (and reader), e.g. db.r6g.large, db.r7g.xlarge, db.serverless", when: "aurora.mode create", default: "db.r6g.large" },
  { id: "aurora.reader", type: "confirm", step: 3, meaning: "add a reader instance in another zone (Multi-AZ failover)", when: "aurora.mode create", default: false },
  { id: "aurora.public", type: "confirm", step: 3, meaning: "give the Aurora instances a public address", when: "aurora.mode create", default: false },
  {
    id: "aurora.clientCidr",
    type: "text",
    step: 3,
    meaning: "address range this tool reaches Aurora from, opened on Aurora's port (/8 or narrower, never 0.0.0.0/0); empty: no such rule",
    when: "aurora.mode create",
    default: "",
    defaultFrom: "empty; when step 3 is retried, the answer given before",
  },
  // Step 4.
  { id: "dms.instance.mode", type: "select", step: 4, meaning: "create a replication instance, or reuse an existing one", default: "create", choices: ["create", "existing"] },
  {
    id: "dms.instance.id",
    type: "text",
    alsoAs: ["select"],
    step: 4,
    meaning: "identifier of the new replication instance (stored lowercase), or the existing one to reuse (dms.instance.mode existing)",
    defaultFrom: "for a new instance, <aurora.clusterId>-dms; an existing one has no default",
  },
  {
    id: "dms.instance.class",
    type: "text",
    step: 4,
    meaning: "replication instance class, e.g. dms.c5.large",
    when: "dms.instance.mode create",
    defaultFrom: "advised from the source's measured size",
  },
  {
    id: "dms.instance.storageGb",
    type: "number",
    step: 4,
    meaning: "storage of the replication instance in GB (logs and cached changes)",
    when: "dms.instance.mode create",
    defaultFrom: "from the source's measured size",
    min: 5,
    max: 6144,
    integer: true,
  },
  { id: "dms.instance.multiAz", type: "confirm", step: 4, meaning: "a Multi-AZ replication instance (a standby in another zone)", when: "dms.instance.mode create", default: false },
  { id: "dms.instance.public", type: "confirm", step: 4, meaning: "give the replication instance a public address (only for a source reachable solely over the internet)", when: "dms.instance.mode create", default: false },
  {
    id: "dms.subnetGroup",
    type: "select",
    step: 4,
    meaning: "replication subnet group: create (over the Aurora cluster's subnets) or an existing group's name",
    when: "dms.instance.mode create",
    default: "create",
    choicesFrom: "create, or the region's replication subnet groups",
  },
  // Step 5.
  { id: "dms.captureDdls", type: "confirm", step: 5, meaning: "let DMS capture DDL on the source (it creates an event trigger, a function and awsdms_ddl_audit there)", default: false },
  ...endpoint("source"),
  {
    id: "dms.source.credentialsArn",
    type: "text",
    step: 5,
    meaning: "ARN of your own Secrets Manager secret with the source's username, password, host and port; empty: the wizard makes one from the password",
    when: "dms.source.credentials secret",
    default: "",
  },
  ...endpoint("target"),
  {
    id: "dms.target.username",
    type: "text",
    step: 5,
    meaning: "login DMS uses on Aurora: the master user, or a migration login you created there",
    defaultFrom: "the cluster's master user",
  },
  {
    id: "dms.target.password",
    type: "secret",
    step: 5,
    meaning: "password of dms.target.username when it is not the master user",
    givenBy: "AURORA_MIGRATE_TARGET_PASSWORD, or a hidden prompt (the master user's is read from RDS's secret)",
  },
  // Step 6.
  { id: "dms.task.id", type: "text", step: 6, meaning: "identifier of the DMS task (stored lowercase)", defaultFrom: "<the source database's name>-task" },
  // Step 7.
  { id: "schema.method", type: "select", step: 7, meaning: "how the schema reaches the target: built-in (pg_dump --schema-only of the source) or hook (your own command)", default: "built-in", choices: ["built-in", "hook"] },
  { id: "schema.setAsideIndexes", type: "confirm", step: 7, meaning: "set secondary indexes aside during the full load too (faster load; rebuilt in step 9)", default: true },
  { id: "schema.hook", type: "text", step: 7, meaning: "command that loads your schema into the target (runs with DATABASE_URL and PG* of the target), e.g. bin/rails db:schema:load", when: "schema.method hook" },
  { id: "schema.replaceExisting", type: "confirm", step: 7, meaning: "drop the chosen schemas on the target and load them again, when the target already has tables in them", destructive: true },
  // Step 8.
  { id: "keyChanges.capture", type: "confirm", step: 8, meaning: "record primary-key changes on the source (a trigger per table), so the cutover re-copies those rows (DMS ignores such updates)", default: true },
  // Step 9.
  { id: "restore.jobs", type: "number", step: 9, meaning: "indexes and foreign keys built at once on the target (one connection and CPU each)", default: 3, min: 1, max: 32, integer: true },
  // Step 11.
  { id: "sync.thresholdSeconds", type: "number", step: 11, meaning: "CDC latency (source and target, seconds) at or under which the task counts as in sync", default: 5, min: 0, max: 3600 },
  { id: "sync.periods", type: "number", step: 11, meaning: "consecutive 60-second periods the latency must stay under the threshold", default: 3, min: 1, max: 60, integer: true },
];
