import type { HbaAuthMethod } from "./preflight/pg-hba.js";
import { sourceAccessLines } from "./source-access.js";

/**
 * The likely cause of a failed DMS connection test, from DMS's message. DMS relays the
 * driver's text, so the same PostgreSQL and network phrases show up as in psql.
 */
export interface DiagnosisInput {
  role: "source" | "target";
  message: string;
  /** Addresses DMS connects from (for pg_hba and firewall advice). */
  instanceIps: readonly string[];
  host: string;
  port: number;
  user: string;
  database: string;
  /** The method of the proposed pg_hba.conf lines (the source's password_encryption); md5 when unknown. */
  authMethod?: HbaAuthMethod;
}

export function diagnoseConnectionFailure(i: DiagnosisInput): string {
  const m = i.message;
  const from = i.instanceIps.map((ip) => `${ip}/32`).join(", ") || "the replication instance's address";
  if (/pg_hba\.conf|no pg_hba/i.test(m)) {
    const ips = i.instanceIps.length ? i.instanceIps : ["<DMS-INSTANCE-IP>"];
    const lines = sourceAccessLines({ instanceIps: ips, sourceHost: i.host, sourcePort: i.port, database: i.database, user: i.user, authMethod: i.authMethod ?? "md5" }).pgHba;
    return `The server's pg_hba.conf has no line for DMS's address. Add ${lines.map((l) => `"${l}"`).join(" and ")}, then SELECT pg_reload_conf();`;
  }
  if (/password authentication failed|authentication failed|invalid password|FATAL:\s+password/i.test(m)) {
    return `The password for ${i.user} was refused. Check it (it was sent to AWS only) and run again; for a secret, check the Secrets Manager value.`;
  }
  if (/does not exist/i.test(m) && /database/i.test(m)) {
    return `The database ${i.database} does not exist on ${i.host}. Create it (CREATE DATABASE "${i.database}";) or correct the name.`;
  }
  if (/SSL|certificate|TLS/i.test(m)) {
    return `SSL failed. The server must accept SSL for SslMode "require"; turn ssl on in postgresql.conf, or choose another SSL mode (question dms.${i.role}.sslMode).`;
  }
  if (/time(d)? ?out|could not connect|connection refused|unreachable|no route|network|could not translate host/i.test(m)) {
    return i.role === "source"
      ? `DMS cannot reach ${i.host}:${i.port}. Allow TCP ${i.port} from ${from} in the source's firewall or security group, make PostgreSQL listen on that interface (listen_addresses), and check that the VPC can route to it.`
      : `DMS cannot reach Aurora at ${i.host}:${i.port}. The Aurora security group must admit the replication instance's security group on port ${i.port} (the wizard adds this rule; check it was not removed).`;
  }
  if (/permission denied|must be superuser|replication/i.test(m)) {
    return `${i.user} lacks a right DMS needs (superuser or REPLICATION on a self-managed source). Run \`aurora-migrate check-source\` for the exact GRANTs.`;
  }
  return `Check the server name, port, user and password of the ${i.role} endpoint, and that the replication instance can reach ${i.host}:${i.port}.`;
}
