import { type HbaAuthMethod, hbaField } from "./preflight/pg-hba.js";

/**
 * What the source's owner must open so the replication instance can reach it: the exact
 * firewall rule and the two pg_hba.conf lines (database and `replication`), scoped to the
 * instance's own address, never a wide range (docs/dms-notes.md §3).
 */
export interface SourceAccessInput {
  instanceIps: readonly string[];
  sourceHost: string;
  sourcePort: number;
  database: string;
  user: string;
  /** The lines' method, from the source's password_encryption (preflight/pg-hba.ts hbaAuthMethod). */
  authMethod: HbaAuthMethod;
}

export function sourceAccessLines(i: SourceAccessInput): { firewall: string[]; pgHba: string[] } {
  const firewall = i.instanceIps.map((ip) => `allow TCP ${i.sourcePort} from ${ip}/32 to ${i.sourceHost}`);
  const pgHba = i.instanceIps.flatMap((ip) => [
    `host  ${hbaField(i.database)}  ${hbaField(i.user)}  ${ip}/32  ${i.authMethod}`,
    `host  replication  ${hbaField(i.user)}  ${ip}/32  ${i.authMethod}`,
  ]);
  return { firewall, pgHba };
}
