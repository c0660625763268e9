/**
 * Whether DMS could read an endpoint's secret through the role it is given: what DMS checks
 * when an endpoint names `SecretsManagerSecretId` and `SecretsManagerAccessRoleArn` (DMS user
 * guide, "Using secrets to access AWS DMS endpoints"): the role trusts the DMS service
 * principal (sts:AssumeRole), and one of its policies allows `secretsmanager:GetSecretValue`
 * on that secret. Shared by the stand-in, the tests' fake and the wizard (a role found by
 * name), so each is as strict as DMS.
 */
import { dmsServicePrincipal } from "./dms-secret-policy.js";

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Principal?: { Service?: string | string[] } | string;
}

function statements(doc: string | undefined): Statement[] {
  try {
    const parsed = JSON.parse(decodeURIComponent(doc ?? "")) as { Statement?: Statement | Statement[] };
    const s = parsed.Statement;
    return Array.isArray(s) ? s : s ? [s] : [];
  } catch {
    return [];
  }
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's wildcard match (`*` any run, `?` one character), case-sensitive as for ARNs. */
function matches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(value);
}

const actionMatches = (pattern: string, action: string): boolean => matches(pattern.toLowerCase(), action.toLowerCase());

/** True when the trust policy lets DMS (in `region`) assume the role. */
export function trustsDms(trustPolicy: string | undefined, region: string): boolean {
  const principals = [dmsServicePrincipal(region), "dms.amazonaws.com"];
  return statements(trustPolicy).some(
    (s) =>
      s.Effect === "Allow" &&
      list(s.Action).some((a) => actionMatches(a, "sts:AssumeRole")) &&
      typeof s.Principal === "object" &&
      list(s.Principal.Service).some((p) => principals.includes(p)),
  );
}

/** True when one of the policies allows `action` on `resource` (and none denies it). */
export function allows(policies: readonly string[], action: string, resource: string): boolean {
  const all = policies.flatMap(statements);
  const hit = (s: Statement): boolean => list(s.Action).some((a) => actionMatches(a, action)) && list(s.Resource).some((r) => matches(r, resource));
  return all.some((s) => s.Effect === "Allow" && hit(s)) && !all.some((s) => s.Effect === "Deny" && hit(s));
}

export interface RoleView {
  arn: string;
  trustPolicy: string;
  /** Inline policy documents. */
  policies: string[];
}

/** Why DMS could not read `secretArn` through `role`, or undefined when it could. */
export function secretAccessProblem(o: { region: string; roleArn: string | undefined; role: RoleView | undefined; secretArn: string }): string | undefined {
  if (!o.roleArn) return "SecretsManagerSecretId is set without SecretsManagerAccessRoleArn.";
  if (!o.role) return `The IAM Role ${o.roleArn} is not configured properly: it does not exist.`;
  if (!trustsDms(o.role.trustPolicy, o.region)) return `The IAM Role ${o.roleArn} is not configured properly: its trust policy does not let ${dmsServicePrincipal(o.region)} assume it.`;
  if (!allows(o.role.policies, "secretsmanager:GetSecretValue", o.secretArn)) return `The IAM Role ${o.roleArn} is not configured properly: it does not allow secretsmanager:GetSecretValue on ${o.secretArn}.`;
  return undefined;
}
