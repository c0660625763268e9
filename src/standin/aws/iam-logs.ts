/**
 * The stand-in's IAM (DMS's two account roles exist, nothing else) and CloudWatch Logs (the
 * lines the stand-in DMS writes for a task: its status changes and failures).
 */
import type { IamPort, LogsPort } from "../../adapters/aws/ports.js";
import type { StandinAccount } from "./account.js";
import { answer, awsFault } from "./faults.js";

const ROLES = ["dms-vpc-role", "dms-cloudwatch-logs-role"];

export class StandinIam implements IamPort {
  constructor(private readonly account: StandinAccount) {}

  getRole: IamPort["getRole"] = (input) =>
    answer(() => {
    const name = input.RoleName ?? "";
    if (!ROLES.includes(name)) throw awsFault("NoSuchEntityException", `The role with name ${name} cannot be found.`, 404);
    return { Role: { RoleName: name, Arn: `arn:aws:iam::${this.account.data.accountId}:role/${name}`, Path: "/", RoleId: `AROA${name.length}STANDIN`, CreateDate: new Date(0) } };
    });
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
