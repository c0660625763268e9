/**
 * The stand-in's IAM (DMS's two account roles exist, and the roles the wizard creates for DMS to
 * read an endpoint's secret, with their trust and inline policies) and CloudWatch Logs (the
 * lines the stand-in DMS writes for a task: its status changes and failures).
 */
import type { IamPort, LogsPort } from "../../adapters/aws/ports.js";
import type { RoleView } from "../../plan/iam-policy-check.js";
import type { RoleRecord, StandinAccount } from "./account.js";
import { answer, awsFault } from "./faults.js";

const ROLES = ["dms-vpc-role", "dms-cloudwatch-logs-role"];

export class StandinIam implements IamPort {
  constructor(private readonly account: StandinAccount) {}

  private get roles(): Record<string, RoleRecord> {
    return (this.account.data.roles ??= {});
  }

  private role(name: string | undefined): RoleRecord {
    const r = this.roles[name ?? ""];
    if (!r) throw awsFault("NoSuchEntityException", `The role with name ${name ?? ""} cannot be found.`, 404);
    return r;
  }

  /** The role as DMS sees it when an endpoint names it (secret-access checks). */
  view(arn: string | undefined): RoleView | undefined {
    const r = Object.values(this.roles).find((x) => x.arn === arn);
    return r ? { arn: r.arn, trustPolicy: r.trustPolicy, policies: Object.values(r.policies) } : undefined;
  }

  getRole: IamPort["getRole"] = (input) =>
    answer(() => {
      const name = input.RoleName ?? "";
      const made = this.roles[name];
      if (made) return { Role: { RoleName: name, Arn: made.arn, Path: made.path, RoleId: `AROA${name.length}STANDIN`, CreateDate: new Date(0), AssumeRolePolicyDocument: encodeURIComponent(made.trustPolicy) } };
      if (!ROLES.includes(name)) throw awsFault("NoSuchEntityException", `The role with name ${name} cannot be found.`, 404);
      return { Role: { RoleName: name, Arn: `arn:aws:iam::${this.account.data.accountId}:role/${name}`, Path: "/", RoleId: `AROA${name.length}STANDIN`, CreateDate: new Date(0) } };
    });

  createRole: IamPort["createRole"] = async (input) => {
    const name = input.RoleName ?? "";
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw awsFault("ValidationError", `The role name ${name} is not valid (1–64 letters, digits and +=,.@_-).`);
    if (this.roles[name] || ROLES.includes(name)) throw awsFault("EntityAlreadyExistsException", `Role with name ${name} already exists.`, 409);
    const path = input.Path ?? "/";
    const r: RoleRecord = { name, arn: `arn:aws:iam::${this.account.data.accountId}:role${path}${name}`, path, trustPolicy: policyJson(input.AssumeRolePolicyDocument), policies: {} };
    this.roles[name] = r;
    await this.account.save();
    return { Role: { RoleName: name, Arn: r.arn, Path: path, RoleId: `AROA${name.length}STANDIN`, CreateDate: new Date() } };
  };

  getRolePolicy: IamPort["getRolePolicy"] = (input) =>
    answer(() => {
      const doc = this.role(input.RoleName).policies[input.PolicyName ?? ""];
      if (doc === undefined) throw awsFault("NoSuchEntityException", `The role policy with name ${input.PolicyName ?? ""} cannot be found.`, 404);
      return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    });

  putRolePolicy: IamPort["putRolePolicy"] = async (input) => {
    this.role(input.RoleName).policies[input.PolicyName ?? ""] = policyJson(input.PolicyDocument);
    await this.account.save();
    return {};
  };

  deleteRolePolicy: IamPort["deleteRolePolicy"] = async (input) => {
    const r = this.role(input.RoleName);
    if (r.policies[input.PolicyName ?? ""] === undefined) throw awsFault("NoSuchEntityException", `The role policy with name ${input.PolicyName ?? ""} cannot be found.`, 404);
    delete r.policies[input.PolicyName ?? ""];
    await this.account.save();
    return {};
  };

  deleteRole: IamPort["deleteRole"] = async (input) => {
    const r = this.role(input.RoleName);
    if (Object.keys(r.policies).length) throw awsFault("DeleteConflictException", "Cannot delete entity, must delete policies first.", 409);
    delete this.roles[r.name];
    await this.account.save();
    return {};
  };
}

function policyJson(doc: string | undefined): string {
  try {
    JSON.parse(doc ?? "");
    return doc ?? "";
  } catch {
    throw awsFault("MalformedPolicyDocumentException", "This policy contains invalid Json");
  }
}

export class StandinLogs implements LogsPort {
  constructor(private readonly account: StandinAccount) {}

  filterLogEvents: LogsPort["filterLogEvents"] = (input) =>
    answer(() => {
    const group = input.logGroupName ?? "";
    const keys = Object.keys(this.account.data.logs).filter((k) => k.startsWith(`${group}|`));
    if (keys.length === 0) throw awsFault("ResourceNotFoundException", "The specified log group does not exist.");
    const streams = input.logStreamNames;
    const events = keys
      .filter((k) => !streams || streams.includes(k.slice(group.length + 1)))
      .flatMap((k) => (this.account.data.logs[k] ?? []).map((l) => ({ logStreamName: k.slice(group.length + 1), timestamp: l.at, message: l.message, ingestionTime: l.at })))
      .filter((e) => (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp <= input.endTime))
      .sort((a, b) => a.timestamp - b.timestamp)
      .slice(0, input.limit ?? 10_000);
    return { events, searchedLogStreams: [] };
    });
}
