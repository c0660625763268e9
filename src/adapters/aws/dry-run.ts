/**
 * --dry-run as a port: the AWS services a dry run hands to the steps. Reads (Describe…, Get…,
 * List…, Filter…) go to the wrapped services, so a dry run sees what exists and can say
 * "would reuse X" rather than "would create X". Every other call (create, modify, delete,
 * start, stop, tag, authorize, revoke, test…) is printed and recorded, never sent, and answered
 * with plan values: placeholders such as `<task ARN>` made by `planValue`, in the fields the
 * steps read back. Steps therefore need no dry-run branch to avoid changing AWS.
 *
 * The port remembers what it planned: a resource it "created" answers later describes of it
 * as it would be once AWS is done (a cluster "available", a task "ready"), and a planned start,
 * stop or delete changes what describes answer (a task stopped after its full load, an endpoint
 * deleting). Such answers are counted (`plannedReads`): pollUntil says "would wait until …"
 * when its first reading came from the plan, instead of waiting.
 *
 * A dry run must work without AWS access too (no credentials, no permission to read): the
 * first read that fails for another reason than "not found" is reported once, and from then on
 * reads answer as if nothing existed (`{}`), which is what the plan then assumes.
 */
import type { Reporter } from "../../ui/reporter.js";
import { type AwsCall, awsErrorCodes, describeCall } from "./errors.js";
import { formatParams } from "./instrument.js";
import type { AwsServices, ServiceName } from "./ports.js";

/** The one maker of plan values: what a call would return, shown as `<what>`. */
export const planValue = (what: string): string => `<${what}>`;

/** Whether a value is one of planValue's: it stands for something a dry run only planned. */
export const isPlanValue = (value: string): boolean => value.startsWith("<") && value.endsWith(">");

/** A call a dry run would make, in order. */
export interface PlannedCall {
  service: ServiceName;
  method: string;
  input: unknown;
}

export interface DryRunOptions {
  reporter: Reporter;
  /** Replaces known secrets in printed parameters. */
  redact?: (text: string) => string;
}

/** The services of a dry run, with the calls it would have made and how many reads the plan answered. */
export type DryRunServices = AwsServices & { readonly planned: readonly PlannedCall[]; readonly plannedReads: number };

/** How many reads so far answered something the dry run planned (0 outside a dry run). */
export const plannedReads = (aws: AwsServices): number => ("plannedReads" in aws && typeof aws.plannedReads === "number" ? aws.plannedReads : 0);

const SERVICE_NAMES: readonly ServiceName[] = ["rds", "dms", "cloudwatch", "logs", "ec2", "iam", "secretsmanager"];

/** Calls that only look: sent even in a dry run. */
export const isReadCall = (method: string): boolean => /^(describe|get|list|filter)[A-Z]/.test(method);

/** "No such thing" answers, which the steps handle themselves: passed on, not taken for lost access. */
const NOT_FOUND = /NotFound|NoSuchEntity|Malformed/;

type Input = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "?");

/**
 * What a write answers in a dry run: the fields steps read back, as plan values, and, for a
 * create, the resource as it would be once AWS is done with it (`resource`), which the port
 * answers later describes of it with. The texts match what the steps print for the same
 * things, so the plan reads as one story.
 */
function planAnswer(call: AwsCall, input: Input): { answer: object; resource?: { list: string; ids: string[]; item: object } } {
  const id = (field: string): string => str(input[field]);
  switch (`${call.service}.${call.method}`) {
    case "ec2.createSecurityGroup": {
      const GroupId = planValue(`new security group ${id("GroupName")}`);
      return { answer: { GroupId }, resource: { list: "SecurityGroups", ids: [GroupId, id("GroupName")], item: { GroupId, GroupName: input.GroupName, VpcId: input.VpcId, IpPermissions: [] } } };
    }
    case "rds.createDBCluster": {
      const clusterId = id("DBClusterIdentifier");
      const cluster = {
        DBClusterIdentifier: clusterId,
        Status: "available",
        Endpoint: planValue(`writer endpoint of ${clusterId}`),
        Port: typeof input.Port === "number" ? input.Port : 5432,
        EngineVersion: input.EngineVersion,
        MasterUsername: input.MasterUsername,
        DBSubnetGroup: input.DBSubnetGroupName,
        ...(input.DBClusterParameterGroupName ? { DBClusterParameterGroup: input.DBClusterParameterGroupName } : {}),
        VpcSecurityGroups: ((input.VpcSecurityGroupIds as string[] | undefined) ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
        ...(input.ManageMasterUserPassword ? { MasterUserSecret: { SecretArn: planValue(`ARN of RDS's master secret of ${clusterId}`), SecretStatus: "active" } } : {}),
      };
      return { answer: { DBCluster: cluster }, resource: { list: "DBClusters", ids: [clusterId], item: cluster } };
    }
    case "rds.createDBInstance": {
      const instance = { DBInstanceIdentifier: input.DBInstanceIdentifier, DBClusterIdentifier: input.DBClusterIdentifier, DBInstanceStatus: "available", DBInstanceClass: input.DBInstanceClass };
      return { answer: { DBInstance: instance }, resource: { list: "DBInstances", ids: [id("DBInstanceIdentifier")], item: instance } };
    }
    case "dms.createReplicationSubnetGroup": {
      const group = { ReplicationSubnetGroupIdentifier: input.ReplicationSubnetGroupIdentifier, SubnetGroupStatus: "Complete" };
      return { answer: { ReplicationSubnetGroup: group }, resource: { list: "ReplicationSubnetGroups", ids: [id("ReplicationSubnetGroupIdentifier")], item: group } };
    }
    case "dms.createReplicationInstance": {
      const arn = planValue("replication instance ARN");
      const instance = {
        ReplicationInstanceIdentifier: input.ReplicationInstanceIdentifier,
        ReplicationInstanceArn: arn,
        ReplicationInstanceClass: input.ReplicationInstanceClass,
        ReplicationInstanceStatus: "available",
        PubliclyAccessible: input.PubliclyAccessible,
        VpcSecurityGroups: ((input.VpcSecurityGroupIds as string[] | undefined) ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
        ReplicationInstancePrivateIpAddresses: [planValue("address of the replication instance")],
        ReplicationInstancePublicIpAddresses: input.PubliclyAccessible ? [planValue("address of the replication instance")] : [],
      };
      return { answer: { ReplicationInstance: instance }, resource: { list: "ReplicationInstances", ids: [id("ReplicationInstanceIdentifier"), arn], item: instance } };
    }
    case "dms.createEndpoint": {
      const arn = planValue(`${id("EndpointType")} endpoint ARN`);
      const endpoint = { ...input, Tags: undefined, EndpointArn: arn, Status: "active" };
      return { answer: { Endpoint: endpoint }, resource: { list: "Endpoints", ids: [id("EndpointIdentifier"), arn], item: endpoint } };
    }
    case "dms.createReplicationTask": {
      const arn = planValue("task ARN");
      const task = { ...input, Tags: undefined, ReplicationTaskArn: arn, Status: "ready" };
      return { answer: { ReplicationTask: task }, resource: { list: "ReplicationTasks", ids: [id("ReplicationTaskIdentifier"), arn], item: task } };
    }
    case "dms.testConnection": {
      const connection = { ReplicationInstanceArn: input.ReplicationInstanceArn, EndpointArn: input.EndpointArn, Status: "testing" };
      return { answer: { Connection: connection }, resource: { list: "Connections", ids: [id("EndpointArn")], item: connection } };
    }
    case "dms.importCertificate": {
      const arn = planValue("certificate ARN");
      const certificate = { CertificateIdentifier: input.CertificateIdentifier, CertificateArn: arn };
      return { answer: { Certificate: certificate }, resource: { list: "Certificates", ids: [id("CertificateIdentifier"), arn], item: certificate } };
    }
    case "secretsmanager.createSecret":
      return { answer: { Name: input.Name, ARN: planValue(`ARN of the secret ${id("Name")}`) } };
    case "iam.createRole":
      return { answer: { Role: { RoleName: input.RoleName, Arn: planValue(`ARN of the role ${id("RoleName")}`) } } };
    default:
      return { answer: {} };
  }
}

/** How a start, stop or delete leaves its resource, once AWS is done with it (deletes: on their way). */
function patchOf(call: AwsCall, input: Input): object | undefined {
  switch (`${call.service}.${call.method}`) {
    case "dms.startReplicationTask":
      return input.StartReplicationTaskType === "start-replication"
        ? { Status: "stopped", StopReason: "Stop Reason STOPPED_AFTER_FULL_LOAD", ReplicationTaskStartDate: new Date(0) }
        : { Status: "running", StopReason: undefined };
    case "dms.stopReplicationTask":
      return { Status: "stopped", StopReason: "Stop Reason STOPPED_BY_USER" };
    case "dms.deleteReplicationTask":
    case "dms.deleteEndpoint":
      return { Status: "deleting" };
    case "dms.deleteReplicationInstance":
      return { ReplicationInstanceStatus: "deleting" };
    case "dms.deleteReplicationSubnetGroup":
      return { SubnetGroupStatus: "deleting" };
    default:
      return undefined;
  }
}

/** The identifiers a describe asks for: its id fields and its filters' values. */
function askedIds(input: Input): string[] {
  const ids: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === "string" && /Identifier$|^SecretId$/.test(k)) ids.push(v);
    if (k === "GroupIds" && Array.isArray(v)) ids.push(...v.map(str));
    if (k === "Filters" && Array.isArray(v)) for (const f of v as { Values?: unknown[] }[]) ids.push(...(f.Values ?? []).map(str));
  }
  return ids;
}

/**
 * The resources a dry run "created", answered to describes of them: a step that creates the
 * cluster and then waits for it reads it back as planned, in the state it waits for.
 */
class PlannedResources {
  private readonly items: { list: string; ids: string[]; item: object }[] = [];
  private readonly patches: { ids: string[]; patch: object }[] = [];

  /** How many reads were answered from the plan: the poll helper says "would wait" rather than wait on them. */
  answered = 0;

  add(r: { list: string; ids: string[]; item: object }): void {
    this.items.push(r);
  }

  /**
   * A planned start, stop or delete: the resource reads back as it would be once AWS is done
   * (a task stopped after its full load, or running; an endpoint deleting…), whether the dry
   * run planned it or read it from the account.
   */
  update(call: AwsCall, input: Input): void {
    const patch = patchOf(call, input);
    if (!patch) return;
    const ids = ["ReplicationTaskArn", "EndpointArn", "ReplicationInstanceArn", "ReplicationSubnetGroupIdentifier", "CertificateArn"].map((k) => input[k]).filter((v): v is string => typeof v === "string");
    this.patches.push({ ids, patch });
    for (const r of this.items) if (r.ids.some((id) => ids.includes(id))) Object.assign(r.item, patch);
  }

  /** An answer read from the account, with the planned changes of its resources applied. */
  patched(answer: unknown): unknown {
    if (typeof answer !== "object" || answer === null) return answer;
    const out: Record<string, unknown> = { ...answer };
    for (const [k, v] of Object.entries(out)) {
      if (!Array.isArray(v)) continue;
      out[k] = v.map((item: unknown) => {
        if (typeof item !== "object" || item === null) return item;
        const values = Object.values(item);
        const changes = this.patches.filter((p) => p.ids.some((id) => values.includes(id)));
        if (changes.length === 0) return item;
        this.answered += 1;
        return Object.assign({ ...item }, ...changes.map((c) => c.patch)) as object;
      });
    }
    return out;
  }

  /** The answer to a describe of planned resources, or undefined when it asks for none (it goes to AWS). */
  answer(call: AwsCall, input: Input): object | undefined {
    const answer = this.lookUp(call, input);
    if (answer) this.answered += 1;
    return answer;
  }

  private lookUp(call: AwsCall, input: Input): object | undefined {
    if (call.service === "secretsmanager" && call.method === "getSecretValue") return this.secretValue(str(input.SecretId));
    // describeDBClusters lists DBClusters, describeConnections Connections, …
    const list = call.method.replace(/^describe/, "");
    const asked = askedIds(input);
    const found = this.items.filter((r) => r.list === list && r.ids.some((id) => asked.includes(id)));
    return found.length ? { [list]: found.map((r) => r.item) } : undefined;
  }

  /** RDS's master secret of a planned cluster: its password is a plan value. */
  private secretValue(arn: string): object | undefined {
    const cluster = this.items.find((r) => r.list === "DBClusters" && (r.item as { MasterUserSecret?: { SecretArn?: string } }).MasterUserSecret?.SecretArn === arn);
    if (!cluster) return undefined;
    const username = (cluster.item as { MasterUsername?: string }).MasterUsername;
    return { ARN: arn, SecretString: JSON.stringify({ username, password: planValue("the master password from RDS's secret") }) };
  }
}

/** Wraps `inner` (the real services, the demo's stand-in or a test's fake) for --dry-run. */
export function dryRunServices(inner: AwsServices, o: DryRunOptions): DryRunServices {
  const calls: PlannedCall[] = [];
  const resources = new PlannedResources();
  let offline = false;
  const read = async (call: AwsCall, input: unknown, send: () => Promise<unknown>): Promise<unknown> => {
    const known = resources.answer(call, (input ?? {}) as Input);
    if (known) return known;
    if (offline) return {};
    try {
      return resources.patched(await send());
    } catch (err) {
      if (awsErrorCodes(err).some((c) => NOT_FOUND.test(c))) throw err;
      offline = true;
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
      const what = reason.includes(describeCall(call)) ? reason : `${describeCall(call)}: ${reason}`;
      o.reporter.info(`[dry-run] Could not read AWS (${what}); the plan below assumes none of the migration's resources exist yet.`);
      return {};
    }
  };
  const wrapped = {
    planned: calls,
    get plannedReads(): number {
      return resources.answered;
    },
  } as Record<ServiceName | "planned" | "plannedReads", unknown>;
  for (const service of SERVICE_NAMES) {
    const port = inner[service];
    wrapped[service] = new Proxy(port, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== "function" || typeof key !== "string") return value;
        const fn = value as (input: unknown) => Promise<unknown>;
        const call: AwsCall = { service, method: key };
        if (isReadCall(key)) return (input: unknown) => read(call, input, () => fn.call(target, input));
        return (input: unknown) => {
          calls.push({ service, method: key, input });
          o.reporter.info(`[dry-run] ${describeCall(call)} ${formatParams(input, o.redact)}`);
          const { answer, resource } = planAnswer(call, (input ?? {}) as Input);
          if (resource) resources.add(resource);
          resources.update(call, (input ?? {}) as Input);
          return Promise.resolve(answer);
        };
      },
    });
  }
  return wrapped as unknown as DryRunServices;
}
