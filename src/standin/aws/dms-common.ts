/** What the stand-in DMS's parts (dms.ts, dms-endpoints.ts, dms-tasks.ts) share. */
import type { Filter } from "@aws-sdk/client-database-migration-service";
import type { Clock } from "../../core/clock.js";
import type { ReplicationInstanceRecord, StandinAccount } from "./account.js";
import type { StandinCertificates } from "./dms-certificates.js";
import type { SecretSource } from "./endpoint-login.js";
import type { TaskHost } from "./task-host.js";

export interface StandinDmsOptions {
  clock?: Clock;
  /** How long a replication instance takes to become available, or to go once deleted (ms). */
  settleMs: number;
  /** Passwords of endpoints by ARN, for this process only (never written anywhere). */
  passwords: Map<string, string>;
  /** Secrets and roles, for endpoints that log in through a secret. */
  secrets: SecretSource;
  /** Imported CA certificates, for endpoints that verify their server. */
  certificates: StandinCertificates;
}

/** The account, the tasks' engines and the instances, as endpoints and tasks see them. */
export interface DmsParts {
  account: StandinAccount;
  tasks: TaskHost;
  o: StandinDmsOptions;
  clock: Clock;
  /** A replication instance that exists (ResourceNotFoundFault otherwise). */
  instanceByArn(arn: string | undefined): ReplicationInstanceRecord;
  /** `creating`, `available` or `deleting`. */
  instanceStatus(i: ReplicationInstanceRecord): string | undefined;
}

export function values(filters: Filter[] | undefined, name: string): string[] | undefined {
  return filters?.find((f) => f.Name === name)?.Values;
}

/** DMS stores identifiers in lower case. */
export const lower = (id: string | undefined): string => (id ?? "").toLowerCase();
