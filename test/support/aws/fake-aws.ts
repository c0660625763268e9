import type { AwsServices, CloudWatchPort, DbCluster, DbInstance, DmsEndpoint, DmsPort, Ec2Port, IamPort, LogsPort, RdsPort, ReplicationInstance, ReplicationSubnetGroup, ReplicationTask, SecretsManagerPort, SecurityGroup } from "../../../src/adapters/aws/ports.js";
import { fakeCloudWatch, fakeLogs } from "./fake-cloudwatch.js";
import { FakeCertificateStore } from "./fake-dms-certificates.js";
import { fakeDms } from "./fake-dms.js";
import { fakeEc2 } from "./fake-ec2.js";
import { fakeRds } from "./fake-rds.js";
import { FakeRoleStore, FakeSecretStore, fakeIam, fakeSecretsManager } from "./fake-secrets-iam.js";
import { SETTLE } from "./fake-shapes.js";

export { fault } from "./fake-secrets-iam.js";

/** One request as a step sent it. */
export interface RecordedCall {
  service: string;
  method: string;
  input: Record<string, unknown>;
}

export interface FakeAwsOptions {
  region?: string;
  /** IAM roles that exist (default: both DMS roles). */
  roles?: string[];
  /** Methods that succeed at AWS and then "crash" the caller before it can record the result. */
  crashAfter?: Set<string>;
  /** Errors thrown (once) the next time a method is called. */
  failNext?: Map<string, Error>;
  /** DMS connection-test failure messages by endpoint type. */
  connectionFailure?: Partial<Record<"source" | "target", string>>;
  /** How the full load ends: stop after full load (default) or fail with this message. */
  fullLoadFailure?: string;
  /** Called when the task first starts (the test creates DMS's slot on the real source). */
  onTaskStart?: () => Promise<void>;
  /** CDC latency points (seconds) served one per GetMetricData call, oldest first; null = no point yet. */
  latency?: ({ source: number; target: number } | null)[];
  /** CloudWatch log lines of the task. */
  logLines?: string[];
  /** Called when the task resumes after the full load (the test's app writes on the source during CDC). */
  onTaskResume?: () => Promise<void>;
  /** Called when the task is stopped (the test stops its stand-in for DMS's CDC, releasing the slot). */
  onTaskStop?: () => Promise<void>;
  /** Where new Aurora clusters answer (a real test server), instead of an invented host name. */
  clusterEndpoint?: { host: string; port: number };
}

/** The secret of the user's the fake holds for a source (full DMS shape). */
export const SOURCE_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:source-db-AbCdEf";

/**
 * A stateful stand-in for the AWS services, for tests only: it records every request,
 * moves resources through their statuses as they are described, and answers "not found"
 * the way AWS does. What the wizard's steps send is read from `calls`. The state and the
 * bookkeeping (op, begin, reap, settle) live here; each service's calls in fake-<service>.ts.
 */
/** What DMS would connect with for an endpoint (fields DMS leaves unset stay undefined). */
type DmsLogin = { host?: string | undefined; port?: number | undefined; username?: string | undefined; password?: string | undefined; database?: string | undefined; sslMode?: string | undefined };

export class FakeAws implements AwsServices {
  readonly calls: RecordedCall[] = [];
  readonly clusters = new Map<string, DbCluster & { describes: number }>();
  readonly instances = new Map<string, DbInstance & { describes: number }>();
  /** RDS cluster parameter groups the account has made (a default.<family> group exists implicitly), with the values set in them. */
  readonly clusterParameterGroups = new Map<string, { family: string; description: string; values: Map<string, string> }>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly dmsSubnetGroups = new Map<string, ReplicationSubnetGroup>();
  readonly replicationInstances = new Map<string, ReplicationInstance & { describes: number }>();
  readonly endpoints = new Map<string, DmsEndpoint>();
  /** Clear-text endpoint passwords by endpoint ARN (DMS never shows them). */
  readonly endpointPasswords = new Map<string, string>();
  /** Secrets Manager's secrets (RDS's master secrets among them) and IAM's roles. */
  readonly secretStore: FakeSecretStore;
  readonly roleStore: FakeRoleStore;
  /** DMS's imported certificates (the RDS CA bundle a verify-full target endpoint names). */
  readonly certificateStore: FakeCertificateStore;
  readonly secretsmanager: SecretsManagerPort;
  readonly iam: IamPort;
  readonly connections = new Map<string, { status: string; describes: number; message?: string }>();
  readonly tasks = new Map<string, ReplicationTask & { describes: number; phase: number }>();
  /**
   * What happened, in order: every call ("call <method>") and every change AWS makes on its
   * own afterwards ("stopped task <id>", "gone endpoint <id>"), so tests can prove a caller
   * waited for one change before its next call.
   */
  readonly timeline: string[] = [];
  /** Describes left before a resource being stopped or deleted reaches its next state. */
  readonly pending = new Map<object, number>();
  seq = 0;
  readonly accountId = "123456789012";
  readonly region: string;

  constructor(readonly o: FakeAwsOptions = {}) {
    this.region = o.region ?? "eu-west-1";
    this.secretStore = new FakeSecretStore(this.region, this.accountId);
    this.roleStore = new FakeRoleStore(this.accountId, o.roles ?? ["dms-vpc-role", "dms-cloudwatch-logs-role"]);
    this.certificateStore = new FakeCertificateStore(this.region, this.accountId);
    const op = <T>(service: string, method: string, input: object, body: () => T | Promise<T>): Promise<T> => this.op(service, method, input, body);
    this.secretsmanager = fakeSecretsManager(op, this.secretStore);
    this.iam = fakeIam(op, this.roleStore);
    // A secret of the user's for the source, in the shape DMS documents.
    this.secretStore.add("source-db", JSON.stringify({ engine: "postgres", host: "db.internal", port: 5432, username: "dms_user", password: "user-secret-pw" }), {}, SOURCE_SECRET_ARN);
    this.securityGroups.set("sg-default", { GroupId: "sg-default", GroupName: "default", VpcId: "vpc-1", IpPermissions: [] });
  }

  next(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(6, "0")}`;
  }

  /** Records the call, applies injected failures, runs the body, then a simulated crash if asked. */
  async op<T>(service: string, method: string, input: object, body: () => T | Promise<T>): Promise<T> {
    this.calls.push({ service, method, input: structuredClone(input) as Record<string, unknown> });
    this.timeline.push(`call ${method}`);
    const injected = this.o.failNext?.get(method);
    if (injected) {
      this.o.failNext?.delete(method);
      throw injected;
    }
    const result = await body();
    if (this.o.crashAfter?.has(method)) {
      this.o.crashAfter.delete(method);
      throw new Error(`simulated crash right after ${method}`);
    }
    return result;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Starts a transition that completes after SETTLE describes of that kind of resource. */
  begin(obj: object): void {
    this.pending.set(obj, SETTLE);
  }

  /** Counts a describe for every resource in `map` that is deleting; removes those whose time has come. */
  reap<V extends object>(map: Map<string, V>, kind: string, id: (v: V) => string | undefined, deleting: (v: V) => boolean): void {
    for (const [key, v] of [...map]) {
      if (!deleting(v)) continue;
      const left = (this.pending.get(v) ?? 1) - 1;
      this.pending.set(v, left);
      if (left <= 0) {
        map.delete(key);
        this.pending.delete(v);
        this.timeline.push(`gone ${kind} ${id(v) ?? key}`);
      }
    }
  }

  settle<T extends { describes: number }>(obj: T, key: keyof T, to: string): void {
    obj.describes += 1;
    if (obj.describes >= SETTLE) (obj as Record<keyof T, unknown>)[key] = to;
  }

  readonly rds: RdsPort = fakeRds(this);
  readonly ec2: Ec2Port = fakeEc2(this);
  readonly logs: LogsPort = fakeLogs(this);
  readonly cloudwatch: CloudWatchPort = fakeCloudWatch(this);
  readonly dms: DmsPort = fakeDms(this);

  /** The connection DMS makes for an endpoint: from its secret when it names one, else its own fields. */
  dmsSees(endpointId: string): DmsLogin & { caPem?: string } {
    const e = this.endpoints.get(endpointId);
    if (!e) throw new Error(`no endpoint ${endpointId}`);
    const caPem = this.certificateStore.byArn(e.CertificateArn)?.CertificatePem;
    if (caPem !== undefined) return { ...this.dmsLogin(e), caPem };
    return this.dmsLogin(e);
  }

  private dmsLogin(e: DmsEndpoint): DmsLogin {
    const secret = this.secretStore.find(e.PostgreSQLSettings?.SecretsManagerSecretId);
    if (secret) {
      const v = JSON.parse(secret.SecretString ?? "{}") as { host?: string; port?: number; username?: string; password?: string; dbname?: string };
      return { host: v.host, port: Number(v.port), username: v.username, password: v.password, database: e.DatabaseName ?? v.dbname, sslMode: e.SslMode };
    }
    return { host: e.ServerName, port: e.Port, username: e.Username, password: this.endpointPasswords.get(e.EndpointArn ?? ""), database: e.DatabaseName, sslMode: e.SslMode };
  }

}
