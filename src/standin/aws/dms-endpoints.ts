/**
 * The stand-in DMS's endpoints and their connection tests: the login checks DMS makes (clear
 * text or a secret through a role, endpoint-login.ts), the CA certificate for verify-ca and
 * verify-full, and a real connection test run in the background, as DMS runs it.
 */
import type { Connection, Endpoint } from "@aws-sdk/client-database-migration-service";
import type { DmsPort } from "../../adapters/aws/ports.js";
import { errorMessage } from "../../core/errors.js";
import { testEndpointConnection } from "../connection-test.js";
import { type EndpointRecord, dmsResourceId } from "./account.js";
import { type DmsParts, lower, values } from "./dms-common.js";
import { roleProblem, secretSettings } from "./endpoint-login.js";
import { answer, awsFault } from "./faults.js";

type EndpointCalls = Pick<DmsPort, "describeEndpoints" | "createEndpoint" | "modifyEndpoint" | "deleteEndpoint" | "testConnection" | "describeConnections">;

export class StandinDmsEndpoints implements EndpointCalls {
  private readonly runningTests = new Set<string>();
  /** Connection tests still running in the background (idle() waits for them). */
  private readonly testsInFlight = new Set<Promise<void>>();

  constructor(private readonly p: DmsParts) {}

  private get data() {
    return this.p.account.data;
  }

  private now(): number {
    return this.p.clock.now().getTime();
  }

  /** DMS checks a server against an imported CA only: verify-ca and verify-full need a CertificateArn that exists. */
  private checkCertificate(e: EndpointRecord): void {
    if (e.sslMode !== "verify-ca" && e.sslMode !== "verify-full") return;
    if (!e.certificateArn) throw awsFault("InvalidParameterCombinationException", `SslMode ${e.sslMode} needs a CertificateArn: import the server's CA with ImportCertificate.`);
    this.p.o.certificates.mustExist(e.certificateArn);
  }

  // ---- endpoints ---------------------------------------------------------------------------

  private endpointShape(e: EndpointRecord): Endpoint {
    return {
      EndpointIdentifier: e.id,
      EndpointArn: e.arn,
      EndpointType: e.type,
      EngineName: e.engineName,
      EngineDisplayName: e.engineName === "postgres" ? "PostgreSQL" : "Amazon Aurora PostgreSQL",
      ...(e.serverName === undefined ? {} : { ServerName: e.serverName }),
      ...(e.port === undefined ? {} : { Port: e.port }),
      ...(e.databaseName === undefined ? {} : { DatabaseName: e.databaseName }),
      ...(e.username === undefined ? {} : { Username: e.username }),
      SslMode: e.sslMode as Endpoint["SslMode"],
      ...(e.certificateArn ? { CertificateArn: e.certificateArn } : {}),
      Status: "active",
      PostgreSQLSettings: e.settings,
    };
  }

  describeEndpoints: DmsPort["describeEndpoints"] = (input) =>
    answer(() => {
    const ids = values(input.Filters, "endpoint-id")?.map(lower);
    const arns = values(input.Filters, "endpoint-arn");
    const types = values(input.Filters, "endpoint-type")?.map(lower);
    const found = Object.values(this.data.endpoints).filter((e) => (!ids || ids.includes(e.id)) && (!arns || arns.includes(e.arn)) && (!types || types.includes(e.type)));
    if ((ids || arns || types) && found.length === 0) throw awsFault("ResourceNotFoundFault", "No endpoints found matching the filters.");
    return { Endpoints: found.map((e) => this.endpointShape(e)) };
    });

  /**
   * What DMS refuses when an endpoint is created or modified: a secret together with clear-text
   * credentials ("You can't specify both"), and a role DMS may not assume or that does not let
   * it read exactly that secret ("The IAM Role … is not configured properly").
   */
  private checkLogin(e: EndpointRecord, password: string | undefined): void {
    const secret = secretSettings(e);
    if (!secret) {
      if (!e.serverName || !e.username) throw awsFault("InvalidParameterValueException", "Give ServerName, Port and Username, or PostgreSQLSettings.SecretsManagerSecretId and SecretsManagerAccessRoleArn.");
      return;
    }
    if (e.serverName || e.username || password) {
      throw awsFault("InvalidParameterCombinationException", "You can specify either SecretsManagerSecretId and SecretsManagerAccessRoleArn, or clear-text ServerName, Port, Username and Password, not both.");
    }
    const problem = roleProblem(this.p.o.secrets, secret.secretId, secret.roleArn);
    if (problem) throw awsFault("AccessDeniedFault", problem);
  }

  createEndpoint: DmsPort["createEndpoint"] = async (input) => {
    const id = lower(input.EndpointIdentifier);
    if (this.data.endpoints[id]) throw awsFault("ResourceAlreadyExistsFault", `The endpoint ${id} already exists.`);
    const engineName = input.EngineName ?? "";
    if (engineName !== "postgres" && engineName !== "aurora-postgresql") {
      throw awsFault("InvalidParameterValueException", `The local stand-in connects PostgreSQL only (postgres, aurora-postgresql), not ${engineName}.`);
    }
    const type = lower(input.EndpointType) === "source" ? "source" : "target";
    // Secrets are never kept: the password stays in this process's memory only.
    const settings: Record<string, unknown> = { ...(input.PostgreSQLSettings ?? {}) };
    delete settings["Password"];
    const record: EndpointRecord = {
      id,
      arn: this.p.account.arn("dms", "endpoint", dmsResourceId()),
      type,
      engineName,
      ...(input.ServerName ? { serverName: input.ServerName, port: input.Port ?? 5432 } : {}),
      ...(input.DatabaseName ? { databaseName: input.DatabaseName } : {}),
      ...(input.Username ? { username: input.Username } : {}),
      sslMode: input.SslMode ?? "none",
      ...(input.CertificateArn ? { certificateArn: input.CertificateArn } : {}),
      settings,
      createdAt: this.now(),
    };
    this.checkLogin(record, input.Password);
    this.checkCertificate(record);
    if (input.Password) this.p.o.passwords.set(record.arn, input.Password);
    this.data.endpoints[id] = record;
    await this.p.account.save();
    return { Endpoint: this.endpointShape(record) };
  };

  /**
   * ModifyEndpoint: the fields given replace the endpoint's; PostgreSQLSettings are merged by
   * name, or replaced whole with ExactSettings. Naming a secret drops the clear-text login (DMS
   * then reads the secret); clear-text fields with ExactSettings settings lacking the secret
   * drop the secret.
   */
  modifyEndpoint: DmsPort["modifyEndpoint"] = async (input) => {
    const e = Object.values(this.data.endpoints).find((x) => x.arn === input.EndpointArn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${input.EndpointArn ?? ""} not found.`);
    const given: Record<string, unknown> = { ...(input.PostgreSQLSettings ?? {}) };
    delete given["Password"];
    const next: EndpointRecord = { ...e, settings: input.ExactSettings ? given : { ...e.settings, ...given } };
    if (input.SslMode) next.sslMode = input.SslMode;
    if (input.CertificateArn) next.certificateArn = input.CertificateArn;
    if (input.DatabaseName) next.databaseName = input.DatabaseName;
    if (input.EngineName) next.engineName = input.EngineName;
    if (given["SecretsManagerSecretId"]) {
      delete next.serverName;
      delete next.port;
      delete next.username;
    }
    if (input.ServerName) next.serverName = input.ServerName;
    if (input.Port !== undefined) next.port = input.Port;
    if (input.Username) next.username = input.Username;
    const password = given["SecretsManagerSecretId"] ? undefined : (input.Password ?? this.p.o.passwords.get(e.arn));
    this.checkLogin(next, secretSettings(next) ? input.Password : undefined);
    this.checkCertificate(next);
    this.data.endpoints[e.id] = next;
    if (password === undefined) this.p.o.passwords.delete(e.arn);
    else this.p.o.passwords.set(e.arn, password);
    await this.p.account.save();
    return { Endpoint: this.endpointShape(next) };
  };

  deleteEndpoint: DmsPort["deleteEndpoint"] = async (input) => {
    const e = Object.values(this.data.endpoints).find((x) => x.arn === input.EndpointArn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${input.EndpointArn ?? ""} not found.`);
    if (Object.values(this.data.tasks).some((t) => t.sourceEndpointArn === e.arn || t.targetEndpointArn === e.arn)) {
      throw awsFault("InvalidResourceStateFault", `The endpoint ${e.id} is used by a replication task; delete the task first.`);
    }
    delete this.data.endpoints[e.id];
    this.data.connections = this.data.connections.filter((c) => c.endpointArn !== e.arn);
    this.p.o.passwords.delete(e.arn);
    await this.p.account.save();
    return { Endpoint: { ...this.endpointShape(e), Status: "deleting" } };
  };

  // ---- connection tests --------------------------------------------------------------------

  testConnection: DmsPort["testConnection"] = async (input) => {
    const instance = this.p.instanceByArn(input.ReplicationInstanceArn);
    if (this.p.instanceStatus(instance) !== "available") throw awsFault("InvalidResourceStateFault", `The replication instance ${instance.id} is not available.`);
    const e = Object.values(this.data.endpoints).find((x) => x.arn === input.EndpointArn);
    if (!e) throw awsFault("ResourceNotFoundFault", `Endpoint ${input.EndpointArn ?? ""} not found.`);
    const key = `${e.arn}|${instance.arn}`;
    if (this.runningTests.has(key)) throw awsFault("InvalidResourceStateFault", "A connection test for this endpoint is already running.");
    this.data.connections = this.data.connections.filter((c) => `${c.endpointArn}|${c.instanceArn}` !== key);
    this.data.connections.push({ endpointArn: e.arn, instanceArn: instance.arn, status: "testing" });
    await this.p.account.save();
    this.runTest(e, instance.arn);
    return { Connection: this.connectionShape(e.arn, instance.arn) };
  };

  private runTest(e: EndpointRecord, instanceArn: string): void {
    const key = `${e.arn}|${instanceArn}`;
    this.runningTests.add(key);
    // A secret DMS cannot read (or without host/port) fails the test with DMS's reason.
    const test: Promise<void> = Promise.resolve()
      .then(() => testEndpointConnection(this.p.tasks.pgEndpoint(e), e.type))
      .catch((err: unknown) => ({ Status: "failed" as const, LastFailureMessage: errorMessage(err) }))
      .then(async (result) => {
        const c = this.data.connections.find((x) => x.endpointArn === e.arn && x.instanceArn === instanceArn);
        if (c) {
          c.status = result.Status;
          if (result.LastFailureMessage) c.lastFailureMessage = result.LastFailureMessage;
          else delete c.lastFailureMessage;
          await this.p.account.save();
        }
      })
      .catch(() => undefined) // the account file went away (the stand-in is closing): nothing to record
      .finally(() => {
        this.runningTests.delete(key);
        this.testsInFlight.delete(test);
      });
    this.testsInFlight.add(test);
  }

  /** Resolves once no connection test runs in the background. */
  async idle(): Promise<void> {
    await Promise.all([...this.testsInFlight]);
  }

  private connectionShape(endpointArn: string, instanceArn: string): Connection {
    const c = this.data.connections.find((x) => x.endpointArn === endpointArn && x.instanceArn === instanceArn);
    const e = Object.values(this.data.endpoints).find((x) => x.arn === endpointArn);
    const i = Object.values(this.data.replicationInstances).find((x) => x.arn === instanceArn);
    return {
      EndpointArn: endpointArn,
      ReplicationInstanceArn: instanceArn,
      ...(e ? { EndpointIdentifier: e.id } : {}),
      ...(i ? { ReplicationInstanceIdentifier: i.id } : {}),
      Status: c?.status ?? "testing",
      ...(c?.lastFailureMessage ? { LastFailureMessage: c.lastFailureMessage } : {}),
    };
  }

  describeConnections: DmsPort["describeConnections"] = (input) =>
    answer(() => {
    const endpointArns = values(input.Filters, "endpoint-arn");
    const instanceArns = values(input.Filters, "replication-instance-arn");
    const found = this.data.connections.filter((c) => (!endpointArns || endpointArns.includes(c.endpointArn)) && (!instanceArns || instanceArns.includes(c.instanceArn)));
    for (const c of found) {
      // A test an earlier process started and never finished: run it again.
      const e = Object.values(this.data.endpoints).find((x) => x.arn === c.endpointArn);
      if (c.status === "testing" && e && !this.runningTests.has(`${c.endpointArn}|${c.instanceArn}`)) this.runTest(e, c.instanceArn);
    }
    return { Connections: found.map((c) => this.connectionShape(c.endpointArn, c.instanceArn)) };
    });
}
