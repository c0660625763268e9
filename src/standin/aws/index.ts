/**
 * The local stand-in for the AWS side, for `aurora-migrate demo` and the end-to-end tests: an
 * `AwsServices` whose RDS hands back a local PostgreSQL server as the Aurora cluster and whose
 * DMS really moves rows between two local servers, logging in with an endpoint's own fields or
 * its secret read through its IAM role, and verifying the server against an imported CA
 * certificate where the endpoint asks (see each service's file). Its account lives
 * in a file beside the migration's state file, so a CLI started again finds what the last one
 * created. Kept apart from src/adapters/aws/ (the real clients): nothing there imports this.
 */
import type { AwsServices } from "../../adapters/aws/ports.js";
import { type Clock, systemClock } from "../../core/clock.js";
import { type ServerRef, StandinAccount, accountPathFor, newAccount } from "./account.js";
import { StandinCloudWatch } from "./cloudwatch.js";
import { StandinCertificates } from "./dms-certificates.js";
import { StandinDms } from "./dms.js";
import { StandinEc2 } from "./ec2.js";
import { StandinIam, StandinLogs } from "./iam-logs.js";
import type { SecretSource } from "./endpoint-login.js";
import { StandinRds } from "./rds.js";
import { StandinSecretsManager } from "./secrets-manager.js";
import { TaskHost } from "./task-host.js";

export { accountPathFor } from "./account.js";
export type { ServerRef } from "./account.js";

export interface StandinAwsOptions {
  /** The migration's state file: the account lives beside it (`<state>.standin-aws.json`). */
  statePath: string;
  /** The server that plays Aurora, for a new account (an existing account keeps its own). */
  auroraServer?: ServerRef;
  region?: string;
  clock?: Clock;
  /** How long clusters and replication instances take to become available (ms). Default 2000. */
  settleMs?: number;
  /** Pause before each table of a full load (ms), to watch or interrupt it. Default 0. */
  tableDelayMs?: number;
}

export interface StandinAws extends AwsServices {
  readonly dms: StandinDms;
  readonly rds: StandinRds;
  readonly ec2: StandinEc2;
  /** Where the account is kept. */
  readonly accountPath: string;
  /** Lets go of this process's replication engines; the tasks carry on as recorded. */
  close(): Promise<void>;
}

export async function createStandinAws(o: StandinAwsOptions): Promise<StandinAws> {
  const clock = o.clock ?? systemClock;
  const settleMs = o.settleMs ?? 2000;
  const accountPath = accountPathFor(o.statePath);
  const account = await StandinAccount.open(accountPath, () => {
    if (!o.auroraServer) throw new Error(`No stand-in account in ${accountPath}, and no server to play Aurora was given.`);
    return newAccount(o.region ?? "local-1", o.auroraServer);
  });
  const passwords = new Map<string, string>();
  const secretsmanager = new StandinSecretsManager(account, clock);
  const iam = new StandinIam(account);
  const secrets: SecretSource = { region: account.data.region, secretValue: (id) => secretsmanager.valueOf(id), roleView: (arn) => iam.view(arn) };
  const certificates = new StandinCertificates(account, clock);
  const rootCert = (arn: string): string => certificates.rootCertPath(arn);
  const tasks = new TaskHost(account, { clock, passwords, secrets, rootCert, ...(o.tableDelayMs ? { tableDelayMs: o.tableDelayMs } : {}) });
  const dms = new StandinDms(account, tasks, { clock, settleMs, passwords, secrets, certificates });
  return {
    accountPath,
    rds: new StandinRds(account, { clock, settleMs }),
    dms,
    cloudwatch: new StandinCloudWatch((instanceId, taskResourceId) => dms.latencyOf(instanceId, taskResourceId), clock),
    logs: new StandinLogs(account),
    ec2: new StandinEc2(account),
    iam,
    secretsmanager,
    close: async () => {
      await dms.idle();
      await tasks.close();
    },
  };
}
