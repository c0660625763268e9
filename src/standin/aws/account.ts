/**
 * What the stand-in AWS account holds, kept in one JSON file beside the migration's state file
 * (`<state>.standin-aws.json`), so that a CLI started again (`demo --resume`, after Ctrl-C or a
 * SIGKILL) finds the same cluster, instance, endpoints and tasks, as it would on AWS. No
 * password is ever written here: endpoints keep theirs in memory only, and the demo's servers
 * use trust authentication.
 *
 * Resources change status with time, as AWS's do: each records when it was created (or began
 * deleting) and its status is derived from the clock, so a restarted process sees the same.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeTextAtomic } from "../../state/store.js";
import type { Tag } from "@aws-sdk/client-database-migration-service";

export interface ServerRef {
  host: string;
  port: number;
  /** The server's administrative login (the demo's `postgres`, trust authentication). */
  user: string;
  /** libpq sslmode the stand-in uses towards it (`require` when the server serves TLS). */
  sslmode: string;
}

export interface ClusterRecord {
  id: string;
  arn: string;
  createdAt: number;
  engineVersion: string;
  masterUsername: string;
  database?: string;
  subnetGroup?: string;
  securityGroupIds: string[];
  managedSecret: boolean;
  storageEncrypted: boolean;
  port: number;
  /** Its cluster parameter group, when one was named at creation (else default.<family>). */
  parameterGroup?: string;
}

export interface DbInstanceRecord {
  id: string;
  arn: string;
  clusterId: string;
  instanceClass: string;
  publiclyAccessible: boolean;
  createdAt: number;
}

export interface SecurityGroupRecord {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  /** Ingress rules, each as EC2 stores one permission with its rule id. */
  rules: { ruleId: string; protocol: string; port: number; sourceGroupId?: string; cidr?: string; description?: string }[];
}

export interface SubnetGroupRecord {
  id: string;
  description: string;
  vpcId: string;
  subnetIds: string[];
}

export interface ReplicationInstanceRecord {
  id: string;
  arn: string;
  instanceClass: string;
  allocatedStorage: number;
  multiAz: boolean;
  publiclyAccessible: boolean;
  subnetGroup?: string;
  securityGroupIds: string[];
  createdAt: number;
  deletingSince?: number;
}

export interface EndpointRecord {
  id: string;
  arn: string;
  type: "source" | "target";
  engineName: string;
  serverName?: string;
  port?: number;
  databaseName?: string;
  username?: string;
  sslMode: string;
  /** The imported CA certificate a verify-ca/verify-full endpoint checks the server against. */
  certificateArn?: string;
  /** PostgreSQLSettings as given, without secrets (SecretsManager ids are names, not secrets). */
  settings: Record<string, unknown>;
  createdAt: number;
}

/** A CA certificate imported into DMS (public: its PEM is kept here and in a file beside the account). */
export interface CertificateRecord {
  id: string;
  arn: string;
  pem: string;
  createdAt: number;
  tags: Tag[];
}

export interface ConnectionRecord {
  endpointArn: string;
  instanceArn: string;
  status: "testing" | "successful" | "failed";
  lastFailureMessage?: string;
}

export interface TaskRecordRef {
  id: string;
  arn: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  instanceArn: string;
  migrationType: string;
  tableMappings: string;
  settings: string;
  /** The logical replication slot on the source (DMS names one when the endpoint does not). */
  slotName: string;
  /** CreateReplicationTask's CdcStartPosition (a cdc task's: the slot's name or an LSN). */
  cdcStartPosition?: string;
  /** The engine's own record (FileTaskStore). */
  storePath: string;
  tags: Tag[];
  deletingSince?: number;
}

/**
 * A Secrets Manager secret. Its password never reaches the account file: the value is kept
 * here without its `password` key, and whole in the process's memory only (a stand-in started
 * again serves it without the password, as it serves endpoints without theirs).
 */
export interface SecretRecord {
  name: string;
  arn: string;
  /** The secret's JSON without `password` (undefined when it is not a JSON object). */
  publicValue?: Record<string, unknown>;
  kmsKeyId?: string;
  createdAt: number;
  versions: number;
}

/** An IAM role (trust and inline policies are not secret). */
export interface RoleRecord {
  name: string;
  arn: string;
  path: string;
  trustPolicy: string;
  /** Inline policies by name. */
  policies: Record<string, string>;
}

export interface LogLine {
  at: number;
  message: string;
}

export interface AccountData {
  version: 1;
  accountId: string;
  region: string;
  /** The PostgreSQL server that plays Aurora. */
  auroraServer: ServerRef;
  clusters: Record<string, ClusterRecord>;
  dbInstances: Record<string, DbInstanceRecord>;
  /** RDS cluster parameter groups made, by name, with the values set in them (absent in accounts written before they existed). */
  clusterParameterGroups?: Record<string, { family: string; description: string; values: Record<string, string> }>;
  securityGroups: Record<string, SecurityGroupRecord>;
  dmsSubnetGroups: Record<string, SubnetGroupRecord>;
  replicationInstances: Record<string, ReplicationInstanceRecord>;
  endpoints: Record<string, EndpointRecord>;
  /** DMS's imported certificates, by identifier (absent in accounts written before they existed). */
  certificates?: Record<string, CertificateRecord>;
  connections: ConnectionRecord[];
  /** Keyed by ARN. */
  tasks: Record<string, TaskRecordRef>;
  /** Secrets Manager, by ARN (absent in accounts written before it existed). */
  secrets?: Record<string, SecretRecord>;
  /** IAM roles the tool created, by name (DMS's two account roles are always there). */
  roles?: Record<string, RoleRecord>;
  /** CloudWatch Logs: `group|stream` → lines, oldest first (the newest few hundred). */
  logs: Record<string, LogLine[]>;
}

export const LOCAL_VPC = "vpc-0standin0local";
export const LOCAL_SUBNETS = ["subnet-0standin0a", "subnet-0standin0b"];

/** The file beside a state file that holds its stand-in account. */
export function accountPathFor(statePath: string): string {
  return `${statePath}.standin-aws.json`;
}

export function newAccount(region: string, auroraServer: ServerRef): AccountData {
  return {
    version: 1,
    accountId: "000000000000",
    region,
    auroraServer,
    clusters: {},
    dbInstances: {},
    securityGroups: {
      "sg-0standin0default": { id: "sg-0standin0default", name: "default", description: "default VPC security group", vpcId: LOCAL_VPC, rules: [] },
    },
    dmsSubnetGroups: {},
    replicationInstances: {},
    endpoints: {},
    certificates: {},
    connections: [],
    tasks: {},
    secrets: {},
    roles: {},
    logs: {},
  };
}

/** DMS's resource ids: 26 upper-case letters and digits, as in `arn:aws:dms:…:task:ABC…`. */
export function dmsResourceId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return [...randomBytes(26)].map((b) => alphabet[b % 32]).join("");
}

/** EC2-style ids: `sg-` followed by 17 hex digits. */
export function ec2Id(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

/** The account held in memory and written through to its file after every change. */
export class StandinAccount {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly data: AccountData,
  ) {}

  /** The account in `path`, or a new one (written at once) when there is none. */
  static async open(path: string, fresh: () => AccountData): Promise<StandinAccount> {
    let data: AccountData;
    try {
      data = JSON.parse(readFileSync(path, "utf8")) as AccountData;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`${path} is not a readable stand-in account: ${(err as Error).message}`);
      const account = new StandinAccount(path, fresh());
      await account.save();
      return account;
    }
    if (data.version !== 1) throw new Error(`${path} holds a stand-in account of version ${String(data.version)}; this version reads 1.`);
    return new StandinAccount(path, data);
  }

  arn(service: "rds" | "dms", kind: string, id: string): string {
    return `arn:aws:${service}:${this.data.region}:${this.data.accountId}:${kind}:${id}`;
  }

  /** Writes the account as it is now; writes happen in order. */
  save(): Promise<void> {
    const text = JSON.stringify(this.data, null, 2) + "\n";
    this.saving = this.saving.then(() => writeTextAtomic(this.path, text));
    return this.saving;
  }

  log(group: string, stream: string, at: number, message: string): void {
    const key = `${group}|${stream}`;
    const lines = (this.data.logs[key] ??= []);
    lines.push({ at, message });
    if (lines.length > 300) lines.splice(0, lines.length - 300);
  }
}
