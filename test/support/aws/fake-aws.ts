import type {
  AwsServices,
  CloudWatchPort,
  DbCluster,
  DbInstance,
  DmsEndpoint,
  DmsPort,
  Ec2Port,
  IamPort,
  LogsPort,
  RdsPort,
  ReplicationInstance,
  ReplicationSubnetGroup,
  ReplicationTask,
  SecretsManagerPort,
  SecurityGroup,
  TableStatistics,
} from "../../../src/adapters/aws/ports.js";
import { missingDmsSecretKeys, regionOfArn } from "../../../src/plan/dms-secret-policy.js";
import { secretAccessProblem } from "../../../src/plan/iam-policy-check.js";
import { FakeCertificateStore, fakeDmsCertificates } from "./fake-dms-certificates.js";
import { FakeRoleStore, FakeSecretStore, fakeIam, fakeSecretsManager, fault } from "./fake-secrets-iam.js";

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

/** How many Describe calls a resource stays in its transitional state. */
const SETTLE = 2;

/**
 * A stateful stand-in for the AWS services, for tests only: it records every request,
 * moves resources through their statuses as they are described, and answers "not found"
 * the way AWS does. What the wizard's steps send is read from `calls`.
 */
export class FakeAws implements AwsServices {
  readonly calls: RecordedCall[] = [];
  readonly clusters = new Map<string, DbCluster & { describes: number }>();
  readonly instances = new Map<string, DbInstance & { describes: number }>();
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
  private readonly pending = new Map<object, number>();
  private metricCalls = 0;
  private seq = 0;
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

  private next(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(6, "0")}`;
  }

  /** Records the call, applies injected failures, runs the body, then a simulated crash if asked. */
  private async op<T>(service: string, method: string, input: object, body: () => T | Promise<T>): Promise<T> {
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
  private begin(obj: object): void {
    this.pending.set(obj, SETTLE);
  }

  /** Counts a describe for every resource in `map` that is deleting; removes those whose time has come. */
  private reap<V extends object>(map: Map<string, V>, kind: string, id: (v: V) => string | undefined, deleting: (v: V) => boolean): void {
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

  private settle<T extends { describes: number }>(obj: T, key: keyof T, to: string): void {
    obj.describes += 1;
    if (obj.describes >= SETTLE) (obj as Record<keyof T, unknown>)[key] = to;
  }

  readonly rds: RdsPort = {
    describeDBEngineVersions: (input) =>
      this.op("rds", "describeDBEngineVersions", input, () => ({
        DBEngineVersions: ["13.15", "14.12", "15.4", "15.7", "16.3", "16.4", "17.2"].map((v) => ({ Engine: "aurora-postgresql", EngineVersion: v, MajorEngineVersion: v.split(".")[0], Status: "available" })),
      })),
    describeDBSubnetGroups: (input) =>
      this.op("rds", "describeDBSubnetGroups", input, () => ({
        DBSubnetGroups: [
          { DBSubnetGroupName: "app-db", VpcId: "vpc-1", Subnets: [{ SubnetIdentifier: "subnet-a" }, { SubnetIdentifier: "subnet-b" }] },
        ].filter((g) => !input.DBSubnetGroupName || g.DBSubnetGroupName === input.DBSubnetGroupName),
      })),
    describeDBClusters: (input) =>
      this.op("rds", "describeDBClusters", input, () => {
        if (input.DBClusterIdentifier) {
          const c = this.clusters.get(input.DBClusterIdentifier);
          if (!c) throw fault("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found.`);
          this.settle(c, "Status", "available");
          return { DBClusters: [strip(c)] };
        }
        return { DBClusters: [...this.clusters.values()].map(strip) };
      }),
    describeDBInstances: (input) =>
      this.op("rds", "describeDBInstances", input, () => {
        const i = input.DBInstanceIdentifier ? this.instances.get(input.DBInstanceIdentifier) : undefined;
        if (!i) throw fault("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found.`);
        this.settle(i, "DBInstanceStatus", "available");
        return { DBInstances: [strip(i)] };
      }),
    createDBCluster: (input) =>
      this.op("rds", "createDBCluster", input, () => {
        const id = input.DBClusterIdentifier ?? "";
        if (this.clusters.has(id)) throw fault("DBClusterAlreadyExistsFault", "DB Cluster already exists");
        const c = {
          DBClusterIdentifier: id,
          DBClusterArn: `arn:aws:rds:${this.region}:${this.accountId}:cluster:${id}`,
          Status: "creating",
          Engine: input.Engine,
          EngineVersion: input.EngineVersion,
          Endpoint: this.o.clusterEndpoint?.host ?? `${id}.cluster-abc123.${this.region}.rds.amazonaws.com`,
          ReaderEndpoint: `${id}.cluster-ro-abc123.${this.region}.rds.amazonaws.com`,
          Port: this.o.clusterEndpoint?.port ?? input.Port ?? 5432,
          MasterUsername: input.MasterUsername,
          DBSubnetGroup: input.DBSubnetGroupName,
          VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
          ...(input.ManageMasterUserPassword ? { MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:rds!cluster-${id}`, SecretStatus: "active" } } : {}),
          StorageEncrypted: input.StorageEncrypted,
          describes: 0,
        };
        this.clusters.set(id, c);
        // RDS's own secret: the master user's name and password, no host or port (DMS cannot use it).
        if (c.MasterUserSecret) this.secretStore.add(`rds!cluster-${id}`, JSON.stringify({ username: input.MasterUsername, password: "Rds-Generated-pw1" }), { OwningService: "rds" }, c.MasterUserSecret.SecretArn);
        return { DBCluster: strip(c) };
      }),
    createDBInstance: (input) =>
      this.op("rds", "createDBInstance", input, () => {
        const id = input.DBInstanceIdentifier ?? "";
        if (this.instances.has(id)) throw fault("DBInstanceAlreadyExistsFault", "DB instance already exists");
        const i = { DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${this.region}:${this.accountId}:db:${id}`, DBInstanceStatus: "creating", DBClusterIdentifier: input.DBClusterIdentifier, PubliclyAccessible: input.PubliclyAccessible, describes: -1 };
        this.instances.set(id, i);
        return { DBInstance: strip(i) };
      }),
  };

  readonly ec2: Ec2Port = {
    describeSecurityGroups: (input) =>
      this.op("ec2", "describeSecurityGroups", input, () => {
        if (input.GroupIds) {
          const found = input.GroupIds.map((g) => this.securityGroups.get(g));
          if (found.some((g) => !g)) throw fault("InvalidGroup.NotFound", "The security group does not exist");
          return { SecurityGroups: found as SecurityGroup[] };
        }
        const f = (name: string): string[] | undefined => input.Filters?.find((x) => x.Name === name)?.Values;
        return {
          SecurityGroups: [...this.securityGroups.values()].filter((g) => (!f("vpc-id") || f("vpc-id")?.includes(g.VpcId ?? "")) && (!f("group-name") || f("group-name")?.includes(g.GroupName ?? ""))),
        };
      }),
    createSecurityGroup: (input) =>
      this.op("ec2", "createSecurityGroup", input, () => {
        if ([...this.securityGroups.values()].some((g) => g.GroupName === input.GroupName && g.VpcId === input.VpcId)) throw fault("InvalidGroup.Duplicate", `The security group '${input.GroupName}' already exists`);
        const id = this.next("sg-");
        this.securityGroups.set(id, { GroupId: id, GroupName: input.GroupName, VpcId: input.VpcId, IpPermissions: [] });
        return { GroupId: id };
      }),
    authorizeSecurityGroupIngress: (input) =>
      this.op("ec2", "authorizeSecurityGroupIngress", input, () => {
        const g = this.securityGroups.get(input.GroupId ?? "");
        if (!g) throw fault("InvalidGroup.NotFound", "The security group does not exist");
        const key = JSON.stringify(input.IpPermissions);
        if ((g.IpPermissions ?? []).some((p) => JSON.stringify([p]) === key)) throw fault("InvalidPermission.Duplicate", "the specified rule already exists");
        g.IpPermissions = [...(g.IpPermissions ?? []), ...(input.IpPermissions ?? [])];
        return { Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: this.next("sgr-"), GroupId: g.GroupId }] };
      }),
    revokeSecurityGroupIngress: (input) =>
      this.op("ec2", "revokeSecurityGroupIngress", input, () => {
        const g = this.securityGroups.get(input.GroupId ?? "");
        if (!g) throw fault("InvalidGroup.NotFound", "The security group does not exist");
        for (const want of input.IpPermissions ?? []) {
          const same = (p: NonNullable<SecurityGroup["IpPermissions"]>[number]): boolean => p.IpProtocol === want.IpProtocol && p.FromPort === want.FromPort && p.ToPort === want.ToPort;
          const perm = (g.IpPermissions ?? []).find(
            (p) =>
              same(p) &&
              (want.UserIdGroupPairs ?? []).every((w) => p.UserIdGroupPairs?.some((x) => x.GroupId === w.GroupId)) &&
              (want.IpRanges ?? []).every((w) => p.IpRanges?.some((x) => x.CidrIp === w.CidrIp)),
          );
          // EC2's answer for a rule that is not there.
          if (!perm) throw fault("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
          perm.UserIdGroupPairs = (perm.UserIdGroupPairs ?? []).filter((x) => !want.UserIdGroupPairs?.some((w) => w.GroupId === x.GroupId));
          perm.IpRanges = (perm.IpRanges ?? []).filter((x) => !want.IpRanges?.some((w) => w.CidrIp === x.CidrIp));
        }
        g.IpPermissions = (g.IpPermissions ?? []).filter((p) => (p.UserIdGroupPairs?.length ?? 0) + (p.IpRanges?.length ?? 0) > 0);
        return { Return: true };
      }),
  };

  readonly logs: LogsPort = {
    filterLogEvents: (input) =>
      this.op("logs", "filterLogEvents", input, () => {
        if (!this.o.logLines) throw fault("ResourceNotFoundException", "The specified log group does not exist.");
        return { events: this.o.logLines.map((message, i) => ({ message, timestamp: i })) };
      }),
  };

  readonly cloudwatch: CloudWatchPort = {
    getMetricData: (input) =>
      this.op("cloudwatch", "getMetricData", input, () => {
        this.metricCalls += 1;
        const script = (this.o.latency ?? []).slice(0, this.metricCalls);
        const end = input.EndTime ? new Date(input.EndTime) : new Date();
        const minute = Math.floor(end.getTime() / 60_000) * 60_000;
        const task = [...this.tasks.values()][0];
        const instance = [...this.replicationInstances.values()][0];
        return {
          MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
            const dims = q.MetricStat?.Metric?.Dimensions ?? [];
            const want = [
              { Name: "ReplicationInstanceIdentifier", Value: instance?.ReplicationInstanceIdentifier },
              { Name: "ReplicationTaskIdentifier", Value: task?.ReplicationTaskArn?.split(":").pop() },
            ];
            // CloudWatch matches only the exact dimension set the metric was published with.
            const matches = dims.length === 2 && want.every((w) => dims.some((d) => d.Name === w.Name && d.Value === w.Value));
            const points = matches
              ? script
                  .map((p, i) => ({ p, at: new Date(minute - (script.length - 1 - i) * 60_000) }))
                  .filter((x): x is { p: { source: number; target: number }; at: Date } => x.p !== null)
                  .reverse()
              : [];
            const source = q.MetricStat?.Metric?.MetricName === "CDCLatencySource";
            return { Id: q.Id, Label: q.MetricStat?.Metric?.MetricName, StatusCode: "Complete", Timestamps: points.map((x) => x.at), Values: points.map((x) => (source ? x.p.source : x.p.target)) };
          }),
        };
      }),
  };

  readonly dms: DmsPort = {
    ...fakeDmsCertificates((service, method, input, body) => this.op(service, method, input, body), () => this.certificateStore, () => this.endpoints.values()),
    describeReplicationSubnetGroups: (input) =>
      this.op("dms", "describeReplicationSubnetGroups", input, () => {
        const ids = filterValues(input.Filters, "replication-subnet-group-id");
        const found = [...this.dmsSubnetGroups.values()].filter((g) => !ids || ids.includes(g.ReplicationSubnetGroupIdentifier ?? ""));
        if (ids && found.length === 0) throw fault("ResourceNotFoundFault", "Replication subnet group not found");
        return { ReplicationSubnetGroups: found };
      }),
    createReplicationSubnetGroup: (input) =>
      this.op("dms", "createReplicationSubnetGroup", input, () => {
        if (!(this.o.roles ?? ["dms-vpc-role"]).includes("dms-vpc-role")) throw fault("AccessDeniedFault", "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly.");
        const g = { ReplicationSubnetGroupIdentifier: (input.ReplicationSubnetGroupIdentifier ?? "").toLowerCase(), VpcId: "vpc-1", Subnets: (input.SubnetIds ?? []).map((s) => ({ SubnetIdentifier: s })) };
        this.dmsSubnetGroups.set(g.ReplicationSubnetGroupIdentifier, g);
        return { ReplicationSubnetGroup: g };
      }),
    deleteReplicationSubnetGroup: (input) =>
      this.op("dms", "deleteReplicationSubnetGroup", input, () => {
        const id = input.ReplicationSubnetGroupIdentifier ?? "";
        if (!this.dmsSubnetGroups.has(id)) throw fault("ResourceNotFoundFault", "Replication subnet group not found");
        if ([...this.replicationInstances.values()].some((i) => i.ReplicationSubnetGroup?.ReplicationSubnetGroupIdentifier === id)) throw fault("InvalidResourceStateFault", "The subnet group is in use by a replication instance");
        this.dmsSubnetGroups.delete(id);
        this.timeline.push(`gone subnet-group ${id}`);
        return {};
      }),
    describeReplicationInstances: (input) =>
      this.op("dms", "describeReplicationInstances", input, () => {
        this.reap(this.replicationInstances, "instance", (i) => i.ReplicationInstanceIdentifier, (i) => i.ReplicationInstanceStatus === "deleting");
        const ids = filterValues(input.Filters, "replication-instance-id");
        const found = [...this.replicationInstances.values()].filter((i) => !ids || ids.includes(i.ReplicationInstanceIdentifier ?? ""));
        if (ids && found.length === 0) throw fault("ResourceNotFoundFault", "Replication instance not found");
        for (const i of found) if (i.ReplicationInstanceStatus !== "deleting") this.settle(i, "ReplicationInstanceStatus", "available");
        return { ReplicationInstances: found.map(strip) };
      }),
    createReplicationInstance: (input) =>
      this.op("dms", "createReplicationInstance", input, () => {
        const id = (input.ReplicationInstanceIdentifier ?? "").toLowerCase();
        if (this.replicationInstances.has(id)) throw fault("ResourceAlreadyExistsFault", "The replication instance already exists");
        const i = {
          ReplicationInstanceIdentifier: id,
          ReplicationInstanceArn: `arn:aws:dms:${this.region}:${this.accountId}:rep:${this.next("RI")}`,
          ReplicationInstanceClass: input.ReplicationInstanceClass,
          ReplicationInstanceStatus: "creating",
          // DMS's own default is public when the parameter is left out.
          PubliclyAccessible: input.PubliclyAccessible ?? true,
          ReplicationInstancePrivateIpAddresses: ["10.0.12.34"],
          ReplicationInstancePublicIpAddresses: input.PubliclyAccessible === false ? [] : ["203.0.113.9"],
          VpcSecurityGroups: (input.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
          ...(input.ReplicationSubnetGroupIdentifier ? { ReplicationSubnetGroup: { ReplicationSubnetGroupIdentifier: input.ReplicationSubnetGroupIdentifier.toLowerCase() } } : {}),
          describes: 0,
        };
        this.replicationInstances.set(id, i);
        return { ReplicationInstance: strip(i) };
      }),
    deleteReplicationInstance: (input) =>
      this.op("dms", "deleteReplicationInstance", input, () => {
        const i = [...this.replicationInstances.values()].find((x) => x.ReplicationInstanceArn === input.ReplicationInstanceArn);
        if (!i) throw fault("ResourceNotFoundFault", "Replication instance not found");
        if ([...this.tasks.values()].some((t) => t.ReplicationInstanceArn === i.ReplicationInstanceArn)) throw fault("InvalidResourceStateFault", "The replication instance still has tasks");
        i.ReplicationInstanceStatus = "deleting";
        this.begin(i);
        return { ReplicationInstance: strip(i) };
      }),
    describeEndpoints: (input) =>
      this.op("dms", "describeEndpoints", input, () => {
        this.reap(this.endpoints, "endpoint", (e) => e.EndpointIdentifier, (e) => e.Status === "deleting");
        const ids = filterValues(input.Filters, "endpoint-id");
        const found = [...this.endpoints.values()].filter((e) => !ids || ids.includes(e.EndpointIdentifier ?? ""));
        if (ids && found.length === 0) throw fault("ResourceNotFoundFault", "Endpoint not found");
        return { Endpoints: found };
      }),
    createEndpoint: (input) =>
      this.op("dms", "createEndpoint", input, () => {
        const id = (input.EndpointIdentifier ?? "").toLowerCase();
        if (this.endpoints.has(id)) throw fault("ResourceAlreadyExistsFault", "The endpoint already exists");
        const { Password, Tags: _tags, EndpointIdentifier: _id, ...rest } = input;
        const e: DmsEndpoint = { ...structuredClone(rest), EndpointIdentifier: id, EndpointArn: `arn:aws:dms:${this.region}:${this.accountId}:endpoint:${this.next("EP")}`, Status: "active" };
        this.checkCredentials(e, Password);
        this.checkCertificate(e);
        this.endpoints.set(id, e);
        if (Password !== undefined) this.endpointPasswords.set(e.EndpointArn ?? "", Password);
        return { Endpoint: { ...e } };
      }),
    modifyEndpoint: (input) =>
      this.op("dms", "modifyEndpoint", input, () => {
        const e = [...this.endpoints.values()].find((x) => x.EndpointArn === input.EndpointArn);
        if (!e) throw fault("ResourceNotFoundFault", "Endpoint not found");
        const { Password, EndpointArn: _arn, ExactSettings, PostgreSQLSettings, ...top } = input;
        const next: DmsEndpoint = { ...e, ...structuredClone(top) };
        // ExactSettings replaces the endpoint settings whole; otherwise same-named ones are replaced and new ones added.
        if (PostgreSQLSettings) next.PostgreSQLSettings = ExactSettings ? structuredClone(PostgreSQLSettings) : { ...e.PostgreSQLSettings, ...structuredClone(PostgreSQLSettings) };
        this.checkCredentials(next, Password ?? this.endpointPasswords.get(e.EndpointArn ?? ""));
        this.checkCertificate(next);
        Object.assign(e, next);
        if (Password !== undefined) this.endpointPasswords.set(e.EndpointArn ?? "", Password);
        return { Endpoint: { ...e } };
      }),
    deleteEndpoint: (input) =>
      this.op("dms", "deleteEndpoint", input, () => {
        const e = [...this.endpoints.values()].find((x) => x.EndpointArn === input.EndpointArn);
        if (!e) throw fault("ResourceNotFoundFault", "Endpoint not found");
        if ([...this.tasks.values()].some((t) => t.SourceEndpointArn === e.EndpointArn || t.TargetEndpointArn === e.EndpointArn)) throw fault("InvalidResourceStateFault", "All tasks associated with the endpoint must be deleted first");
        e.Status = "deleting";
        this.begin(e);
        return { Endpoint: { ...e } };
      }),
    testConnection: (input) =>
      this.op("dms", "testConnection", input, () => {
        const endpoint = [...this.endpoints.values()].find((e) => e.EndpointArn === input.EndpointArn);
        const role = endpoint?.EndpointType === "source" ? "source" : "target";
        const message = (endpoint ? this.secretFailure(endpoint) : undefined) ?? this.o.connectionFailure?.[role];
        this.connections.set(`${input.EndpointArn}|${input.ReplicationInstanceArn}`, { status: "testing", describes: 0, ...(message ? { message } : {}) });
        return { Connection: { EndpointArn: input.EndpointArn, ReplicationInstanceArn: input.ReplicationInstanceArn, Status: "testing" } };
      }),
    describeConnections: (input) =>
      this.op("dms", "describeConnections", input, () => {
        const ep = filterValues(input.Filters, "endpoint-arn")?.[0];
        const ri = filterValues(input.Filters, "replication-instance-arn")?.[0];
        const c = this.connections.get(`${ep}|${ri}`);
        if (!c) return { Connections: [] };
        c.describes += 1;
        if (c.describes >= SETTLE) c.status = c.message ? "failed" : "successful";
        return { Connections: [{ EndpointArn: ep, ReplicationInstanceArn: ri, Status: c.status, ...(c.status === "failed" ? { LastFailureMessage: c.message } : {}) }] };
      }),
    createReplicationTask: (input) =>
      this.op("dms", "createReplicationTask", input, () => {
        const id = (input.ReplicationTaskIdentifier ?? "").toLowerCase();
        if ([...this.tasks.values()].some((t) => t.ReplicationTaskIdentifier === id)) throw fault("ResourceAlreadyExistsFault", "The task already exists");
        const arn = `arn:aws:dms:${this.region}:${this.accountId}:task:${this.next("TASKRESOURCEID")}`;
        const t = {
          ReplicationTaskIdentifier: id,
          ReplicationTaskArn: arn,
          Status: "creating",
          MigrationType: input.MigrationType,
          SourceEndpointArn: input.SourceEndpointArn,
          TargetEndpointArn: input.TargetEndpointArn,
          ReplicationInstanceArn: input.ReplicationInstanceArn,
          TableMappings: input.TableMappings,
          ReplicationTaskSettings: input.ReplicationTaskSettings,
          describes: 0,
          phase: 0,
        };
        this.tasks.set(arn, t);
        return { ReplicationTask: strip(t) };
      }),
    describeReplicationTasks: (input) =>
      this.op("dms", "describeReplicationTasks", input, () => {
        this.reap(this.tasks, "task", (t) => t.ReplicationTaskIdentifier, (t) => t.Status === "deleting");
        const arns = filterValues(input.Filters, "replication-task-arn");
        const ids = filterValues(input.Filters, "replication-task-id");
        const found = [...this.tasks.values()].filter((t) => (!arns || arns.includes(t.ReplicationTaskArn ?? "")) && (!ids || ids.includes(t.ReplicationTaskIdentifier ?? "")));
        if ((arns || ids) && found.length === 0) throw fault("ResourceNotFoundFault", "Replication task not found");
        for (const t of found) this.advanceTask(t);
        return { ReplicationTasks: found.map(strip) };
      }),
    startReplicationTask: (input) =>
      this.op("dms", "startReplicationTask", input, async () => {
        const t = this.tasks.get(input.ReplicationTaskArn ?? "");
        if (!t) throw fault("ResourceNotFoundFault", "Replication task not found");
        if (input.StartReplicationTaskType === "start-replication") {
          if (t.Status !== "ready" || t.ReplicationTaskStartDate) throw fault("InvalidResourceStateFault", "start-replication is only valid for a task's first run");
          t.ReplicationTaskStartDate = new Date();
          t.Status = "starting";
          t.phase = 1;
          await this.o.onTaskStart?.();
        } else if (input.StartReplicationTaskType === "resume-processing") {
          if (!t.ReplicationTaskStartDate || !["stopped", "failed"].includes(t.Status ?? "")) throw fault("InvalidResourceStateFault", `Task is ${t.Status}`);
          t.Status = "starting";
          // Resuming after the stop before cached changes goes on to CDC; after a failure, back to loading.
          t.phase = t.StopReason?.includes("STOPPED_AFTER_FULL_LOAD") ? 10 : 1;
          delete t.StopReason;
          delete t.LastFailureMessage;
          await this.o.onTaskResume?.();
        }
        return { ReplicationTask: strip(t) };
      }),
    stopReplicationTask: (input) =>
      this.op("dms", "stopReplicationTask", input, async () => {
        const t = this.tasks.get(input.ReplicationTaskArn ?? "");
        if (!t) throw fault("ResourceNotFoundFault", "Replication task not found");
        if (!["running", "starting"].includes(t.Status ?? "")) throw fault("InvalidResourceStateFault", `Task is ${t.Status}`);
        t.Status = "stopping";
        t.phase = 20;
        this.begin(t);
        await this.o.onTaskStop?.();
        return { ReplicationTask: strip(t) };
      }),
    deleteReplicationTask: (input) =>
      this.op("dms", "deleteReplicationTask", input, () => {
        const t = this.tasks.get(input.ReplicationTaskArn ?? "");
        if (!t) throw fault("ResourceNotFoundFault", "Replication task not found");
        if (["running", "starting", "stopping"].includes(t.Status ?? "")) throw fault("InvalidResourceStateFault", `Task is ${t.Status}; stop it first`);
        t.Status = "deleting";
        t.phase = 0;
        this.begin(t);
        return { ReplicationTask: strip(t) };
      }),
    describeTableStatistics: (input) =>
      this.op("dms", "describeTableStatistics", input, () => ({
        ReplicationTaskArn: input.ReplicationTaskArn,
        TableStatistics: [{ SchemaName: "public", TableName: "accounts", TableState: "Table completed", FullLoadRows: 3 }] as TableStatistics[],
      })),
  };

  /**
   * What DMS refuses at CreateEndpoint/ModifyEndpoint: a secret together with clear-text
   * credentials ("You can't specify both"), and a secret role DMS cannot assume or that does not
   * allow GetSecretValue on exactly that secret (AccessDeniedFault, "not configured properly").
   */
  private checkCredentials(e: DmsEndpoint, password: string | undefined): void {
    const pg = e.PostgreSQLSettings ?? {};
    const secretId = pg.SecretsManagerSecretId;
    if (!secretId) return;
    if (e.ServerName || e.Username || password || pg.Password || pg.ServerName || pg.Username) {
      throw fault("InvalidParameterCombinationException", "You can specify either SecretsManagerSecretId and SecretsManagerAccessRoleArn, or clear-text ServerName, Port, Username and Password, not both.");
    }
    const secret = this.secretStore.find(secretId);
    const problem = secretAccessProblem({ region: this.region, roleArn: pg.SecretsManagerAccessRoleArn, role: this.roleStore.view(pg.SecretsManagerAccessRoleArn), secretArn: secret?.ARN ?? secretId });
    if (problem) throw fault("AccessDeniedFault", problem);
  }

  /** DMS checks a server's certificate (verify-ca, verify-full) against an imported CA certificate: it must be named, and exist. */
  private checkCertificate(e: DmsEndpoint): void {
    if (e.SslMode !== "verify-ca" && e.SslMode !== "verify-full") return;
    if (!e.CertificateArn) throw fault("InvalidParameterCombinationException", `SslMode ${e.SslMode} needs a CertificateArn (ImportCertificate).`);
    if (!this.certificateStore.byArn(e.CertificateArn)) throw fault("ResourceNotFoundFault", `Certificate ${e.CertificateArn} not found`);
  }

  /** DMS's connection-test failure for a secret it cannot use (gone, or without host/port/username/password). */
  private secretFailure(e: DmsEndpoint): string | undefined {
    const id = e.PostgreSQLSettings?.SecretsManagerSecretId;
    if (!id) return undefined;
    const secret = this.secretStore.find(id);
    if (!secret || secret.DeletedDate) return `Failed to retrieve secret ${id}: Secrets Manager can't find the specified secret.`;
    if (regionOfArn(secret.ARN) !== this.region) return `Failed to retrieve secret ${id}: it is in another region.`;
    const missing = missingDmsSecretKeys(secret.SecretString);
    return missing.length ? `The secret ${secret.Name} does not contain the required keys: ${missing.join(", ")}.` : undefined;
  }

  /** The connection DMS makes for an endpoint: from its secret when it names one, else its own fields. */
  dmsSees(endpointId: string): { host?: string; port?: number; username?: string; password?: string; database?: string; sslMode?: string; caPem?: string } {
    const e = this.endpoints.get(endpointId);
    if (!e) throw new Error(`no endpoint ${endpointId}`);
    const caPem = this.certificateStore.byArn(e.CertificateArn)?.CertificatePem;
    if (caPem !== undefined) return { ...this.dmsLogin(e), caPem };
    return this.dmsLogin(e);
  }

  private dmsLogin(e: DmsEndpoint): { host?: string; port?: number; username?: string; password?: string; database?: string; sslMode?: string } {
    const secret = this.secretStore.find(e.PostgreSQLSettings?.SecretsManagerSecretId);
    if (secret) {
      const v = JSON.parse(secret.SecretString ?? "{}") as { host?: string; port?: number; username?: string; password?: string; dbname?: string };
      return { host: v.host, port: Number(v.port), username: v.username, password: v.password, database: e.DatabaseName ?? v.dbname, sslMode: e.SslMode };
    }
    return { host: e.ServerName, port: e.Port, username: e.Username, password: this.endpointPasswords.get(e.EndpointArn ?? ""), database: e.DatabaseName, sslMode: e.SslMode };
  }

  /** The task's life: creating → ready; start → starting → running (0%, 50%) → stopped after full load; resume → running. */
  private advanceTask(t: ReplicationTask & { describes: number; phase: number }): void {
    t.describes += 1;
    if (t.Status === "creating" && t.describes >= SETTLE) t.Status = "ready";
    if (t.phase >= 1 && t.phase < 10) {
      const stats = (percent: number, loaded: number, loading: number, queued: number) => ({ FullLoadProgressPercent: percent, TablesLoaded: loaded, TablesLoading: loading, TablesQueued: queued, TablesErrored: 0 });
      if (t.phase === 1) Object.assign(t, { Status: "running", ReplicationTaskStats: stats(0, 0, 1, 1) });
      if (t.phase === 2) Object.assign(t, { Status: "running", ReplicationTaskStats: stats(50, 1, 1, 0) });
      if (t.phase === 3) {
        if (this.o.fullLoadFailure) {
          Object.assign(t, { Status: "failed", LastFailureMessage: this.o.fullLoadFailure, StopReason: "Stop Reason FATAL_ERROR" });
          delete this.o.fullLoadFailure;
          t.phase = 0;
          return;
        }
        Object.assign(t, { Status: "stopped", StopReason: "Stop Reason STOPPED_AFTER_FULL_LOAD", ReplicationTaskStats: stats(100, 2, 0, 0) });
      }
      t.phase += 1;
    } else if (t.phase === 10) {
      t.Status = "running";
    } else if (t.phase === 20) {
      const left = (this.pending.get(t) ?? 1) - 1;
      this.pending.set(t, left);
      if (left <= 0) {
        Object.assign(t, { Status: "stopped", StopReason: "Stop Reason NORMAL", phase: 0 });
        this.pending.delete(t);
        this.timeline.push(`stopped task ${t.ReplicationTaskIdentifier ?? ""}`);
      }
    }
  }
}

function filterValues(filters: { Name: string | undefined; Values: string[] | undefined }[] | undefined, name: string): string[] | undefined {
  return filters?.find((f) => f.Name === name)?.Values;
}

/** A copy without the fake's bookkeeping fields, as AWS would answer. */
function strip<T extends object>(o: T): T {
  const copy = { ...o } as Record<string, unknown>;
  delete copy["describes"];
  delete copy["phase"];
  return copy as T;
}
