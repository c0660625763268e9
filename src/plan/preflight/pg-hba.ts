import type { Finding } from "../../state/schema.js";
import { type Network, containsNetwork, networkFromMask, parseCidr } from "../cidr.js";
import { type PreflightCheck, type PreflightOptions } from "./check.js";
import type { HbaRuleFact, SourceFacts } from "./facts.js";
import { quoteIdent } from "../sql-text.js";

/**
 * pg_hba.conf must let the replication instance in twice: to the database (full load) and to
 * the special `replication` keyword (change capture). Rules are read top-down and the first
 * matching one decides, as PostgreSQL does.
 */

export const DMS_ADDRESS_PLACEHOLDER = "<DMS-INSTANCE-IP>/32";

type Match = "yes" | "no" | "unknown";

function matchDatabase(rule: HbaRuleFact, target: { database: string; replication: boolean; user: string }): Match {
  const dbs = rule.databases;
  if (target.replication) return dbs.includes("replication") ? "yes" : "no";
  if (dbs.includes("all") || dbs.includes(target.database)) return "yes";
  if (dbs.includes("sameuser")) return target.database === target.user ? "yes" : "no";
  if (dbs.some((d) => d === "samerole" || d === "samegroup" || d.startsWith("@"))) return "unknown";
  return "no";
}

function matchUser(rule: HbaRuleFact, user: string): Match {
  if (rule.users.includes("all") || rule.users.includes(user)) return "yes";
  if (rule.users.some((u) => u.startsWith("+") || u.startsWith("@") || u.startsWith("/"))) return "unknown";
  return "no";
}

function matchAddress(rule: HbaRuleFact, dms: Network): Match {
  if (rule.address === "all") return "yes";
  if (rule.address === null || rule.netmask === null) return "unknown"; // samehost, samenet, host names
  const net = networkFromMask(rule.address, rule.netmask);
  if (!net) return "unknown";
  if (containsNetwork(net, dms)) return "yes";
  return net.version === dms.version && containsNetwork(dms, net) ? "unknown" : "no";
}

function matchRule(rule: HbaRuleFact, target: { database: string; replication: boolean; user: string }, dms: Network): Match {
  if (rule.error) return "no";
  if (rule.type === "local" || rule.type === "hostnogssenc" || rule.type === "hostgssenc") return rule.type === "local" ? "no" : "unknown";
  // host, hostssl (DMS connects with SSL by default), hostnossl (only without SSL).
  const parts: Match[] = [rule.type === "hostnossl" ? "unknown" : "yes", matchDatabase(rule, target), matchUser(rule, target.user), matchAddress(rule, dms)];
  if (parts.includes("no")) return "no";
  return parts.includes("unknown") ? "unknown" : "yes";
}

/** The first rule that decides a DMS connection, or why none clearly does. */
export function evaluateHba(
  rules: readonly HbaRuleFact[],
  target: { database: string; replication: boolean; user: string },
  dms: Network,
): { verdict: "allowed" | "rejected" | "no-rule" | "uncertain"; rule?: HbaRuleFact } {
  for (const rule of rules) {
    const m = matchRule(rule, target, dms);
    if (m === "unknown") return { verdict: "uncertain", rule };
    if (m === "yes") return { verdict: rule.authMethod === "reject" ? "rejected" : "allowed", rule };
  }
  return { verdict: "no-rule" };
}

export type HbaAuthMethod = "scram-sha-256" | "md5";

/**
 * Pure: the pg_hba.conf method for the lines proposed to DMS, from the server's
 * password_encryption: "scram-sha-256" where passwords are stored as SCRAM (PostgreSQL 14's
 * default), else "md5" (also when unknown: md5 accepts a password stored either way).
 */
export function hbaAuthMethod(passwordEncryption: string | undefined): HbaAuthMethod {
  return passwordEncryption?.trim().toLowerCase() === "scram-sha-256" ? "scram-sha-256" : "md5";
}

const HBA_KEYWORDS = new Set(["all", "sameuser", "samerole", "samegroup", "replication"]);

/**
 * A database or user name as a pg_hba.conf field: as is when plain, else double-quoted (a
 * quoted name never means a keyword such as "all", and may hold spaces, commas or #).
 * `keyword` (the replication line's database field) stays bare.
 */
export function hbaField(name: string, keyword = false): string {
  if (keyword || (/^[A-Za-z0-9_$.-]+$/.test(name) && !HBA_KEYWORDS.has(name))) return name;
  return quoteIdent(name);
}

/** One pg_hba.conf line for DMS: database (or `replication`), user, address and method. */
export function hbaLine(database: string, user: string, address: string, method: HbaAuthMethod = "md5", replication = false): string {
  return `host    ${hbaField(database, replication).padEnd(12)} ${hbaField(user).padEnd(14)} ${address.padEnd(18)} ${method}`;
}

/** Why the lines' method is what it is, from the server's password_encryption (undefined: not known). */
export function hbaMethodNote(passwordEncryption: string | undefined): string {
  const method = hbaAuthMethod(passwordEncryption);
  if (method === "scram-sha-256") {
    return "scram-sha-256, as the server's password_encryption: a password set before that setting was scram-sha-256 is still stored as md5; set it again, or use md5, which accepts both.";
  }
  return passwordEncryption === undefined
    ? "md5: the server's password_encryption is not known here, and md5 accepts a password stored as md5 or as SCRAM."
    : `md5, as the server's password_encryption (${passwordEncryption}); md5 also accepts a password stored as SCRAM.`;
}

const reload = "then reload: SELECT pg_reload_conf();";

function hbaChecksFor(facts: SourceFacts, options: PreflightOptions, replication: boolean): Finding[] {
  const id = replication ? "access.pg_hba_replication" : "access.pg_hba_database";
  const dbWord = replication ? "replication" : facts.database;
  const what = replication ? "the replication connection (change capture)" : `database ${facts.database} (full load)`;
  const user = facts.login.name;
  const address = options.dmsCidr ?? DMS_ADDRESS_PLACEHOLDER;
  const passwordEncryption = facts.settings["password_encryption"]?.setting;
  const method = hbaAuthMethod(passwordEncryption);
  const line = hbaLine(dbWord, user, address, method, replication);
  const where = facts.settings["hba_file"]?.setting ?? "pg_hba.conf";
  const addressNote = options.dmsCidr
    ? ""
    : options.addressLater
      ? `\n${DMS_ADDRESS_PLACEHOLDER} is the replication instance's address: step 4 creates the instance and prints this line with its address; step 5's connection test checks it. Never 0.0.0.0/0.`
      : `\nReplace ${DMS_ADDRESS_PLACEHOLDER} with the replication instance's private address (pass --dms-cidr to have it checked). Never 0.0.0.0/0.`;
  const placeholderNote = `${addressNote}\n${hbaMethodNote(passwordEncryption)}`;
  const addFix = `Add this line to ${where}, above any broader "reject" line:\n${line}\n${reload}${placeholderNote}`;

  if (!facts.hba.readable) {
    return [
      {
        check: id,
        severity: "warning",
        title: `Could not read pg_hba.conf, so could not check that DMS may reach ${what}`,
        found: `pg_hba_file_rules is not readable for ${user}: ${facts.hba.reason}`,
        fix: `Make sure this line is in pg_hba.conf (or run check-source as a superuser to have it checked):\n${line}\n${reload}${placeholderNote}`,
      },
    ];
  }
  const dms = options.dmsCidr ? parseCidr(options.dmsCidr) : undefined;
  if (!dms) {
    return [
      {
        check: id,
        severity: "info",
        title: `The DMS address is not known yet, so pg_hba.conf was not checked for ${what}`,
        found: options.addressLater ? "the replication instance does not exist yet (step 4 creates it)" : "no --dms-cidr given",
        fix: addFix,
      },
    ];
  }
  const result = evaluateHba(facts.hba.rules, { database: facts.database, replication, user }, dms);
  const ruleText = (r: HbaRuleFact | undefined): string =>
    r ? `line ${r.lineNumber}: ${r.type} ${r.databases.join(",")} ${r.users.join(",")} ${r.address ?? ""}${r.netmask ? `/${r.netmask}` : ""} ${r.authMethod ?? ""}` : "";
  switch (result.verdict) {
    case "allowed":
      return [];
    case "rejected":
      return [
        {
          check: id,
          severity: "blocker",
          title: `pg_hba.conf rejects DMS (${options.dmsCidr}) for ${what}`,
          found: ruleText(result.rule),
          fix: `Put this line above line ${result.rule?.lineNumber}:\n${line}\n${reload}`,
        },
      ];
    case "no-rule":
      return [
        {
          check: id,
          severity: "blocker",
          title: `No pg_hba.conf line lets DMS (${options.dmsCidr}) reach ${what}`,
          found: `none of the ${facts.hba.rules.length} rules matches ${user} from ${options.dmsCidr}`,
          fix: addFix,
        },
      ];
    case "uncertain":
      return [
        {
          check: id,
          severity: "warning",
          title: `pg_hba.conf may or may not let DMS (${options.dmsCidr}) reach ${what}: a line uses a form the preflight cannot evaluate`,
          found: ruleText(result.rule),
          fix: `If that line does not cover ${user} from ${options.dmsCidr}, add above it:\n${line}\n${reload}`,
        },
      ];
  }
}

const hbaDatabase: PreflightCheck = {
  id: "access.pg_hba_database",
  title: "pg_hba.conf admits DMS to the database",
  run: (facts, options) => hbaChecksFor(facts, options, false),
};

const hbaReplication: PreflightCheck = {
  id: "access.pg_hba_replication",
  title: "pg_hba.conf admits DMS's replication connection",
  run: (facts, options) => hbaChecksFor(facts, options, true),
};

export const hbaChecks: readonly PreflightCheck[] = [hbaDatabase, hbaReplication];
