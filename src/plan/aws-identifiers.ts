import { WIDEST_ALLOWED_PREFIX } from "./cidr.js";

/**
 * Naming rules AWS enforces, checked at the prompt so a typo is caught before any call, and
 * the deterministic names the wizard proposes (the same answer on resume finds the same
 * resource, so a create whose state write was lost is found again, not duplicated).
 */

/** RDS cluster/instance and DMS replication-instance identifiers: 1–63, letter first, letters/digits/hyphens, no `--`, no trailing `-`. */
export function validateAwsIdentifier(value: string, max = 63): string | undefined {
  if (value.length < 1 || value.length > max) return `must be 1 to ${max} characters long`;
  if (!/^[A-Za-z]/.test(value)) return "must start with a letter";
  if (!/^[A-Za-z0-9-]+$/.test(value)) return "may hold only letters, digits and hyphens";
  if (value.includes("--")) return "must not contain two hyphens in a row";
  if (value.endsWith("-")) return "must not end with a hyphen";
  return undefined;
}

/** AWS stores these identifiers lowercase; so do we, so lookups match. */
export const lowerIdentifier = (value: string): string => value.trim().toLowerCase();

/** The prefix of every name the wizard proposes: `aurora-migrate-<database>`, short enough for suffixes. */
export function defaultBaseName(database: string | undefined): string {
  const slug = (database ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 30)
    .replace(/-+$/, "");
  return slug ? `aurora-migrate-${slug}` : "aurora-migrate";
}

const RESERVED_USERS = new Set(["rdsadmin", "rdsrepladmin", "rds_superuser", "public", "none", "all", "user", "current_user", "session_user"]);

/** Aurora PostgreSQL master user name: 1–16 letters or digits, letter first, not a reserved word. */
export function validateMasterUsername(value: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9]{0,15}$/.test(value)) return "must be 1 to 16 letters or digits, starting with a letter";
  if (RESERVED_USERS.has(value.toLowerCase())) return `"${value}" is reserved by RDS`;
  return undefined;
}

/** RDS master password: 8–41 printable ASCII characters other than / " @ and space. */
export function validateMasterPassword(value: string): string | undefined {
  if (value.length < 8 || value.length > 41) return "must be 8 to 41 characters long";
  if (!/^[\x21-\x7e]+$/.test(value)) return "may hold only printable ASCII characters, no spaces";
  if (/[/"@]/.test(value)) return 'must not contain /, " or @';
  return undefined;
}

/**
 * An IPv4 CIDR that opens a database port: the whole internet is refused (product rule), and so
 * is anything wider than /8, as for pg_hba.conf lines (plan/preflight/dms-cidr.ts).
 */
export function validateCidr(value: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value.trim());
  if (!m) return "expected an IPv4 address range such as 203.0.113.7/32";
  const prefix = Number(m[5]);
  if (m.slice(1, 5).some((o) => Number(o) > 255) || prefix > 32) return "not a valid IPv4 range";
  if (prefix === 0) return "0.0.0.0/0 would open the database to the whole internet; give the address this tool runs from, e.g. 203.0.113.7/32";
  if (prefix < WIDEST_ALLOWED_PREFIX[4]) {
    return `a /${prefix} range would open the database to ${(2 ** (32 - prefix)).toLocaleString("en-US")} addresses; give /${WIDEST_ALLOWED_PREFIX[4]} or narrower, best the address this tool runs from, e.g. 203.0.113.7/32`;
  }
  return undefined;
}

/** The task's resource id (the CloudWatch dimension): the last segment of its ARN. */
export function taskResourceId(taskArn: string): string {
  return taskArn.split(":").pop() ?? taskArn;
}
