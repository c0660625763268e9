/**
 * The stand-in for Amazon RDS: the Aurora PostgreSQL "cluster" is a local PostgreSQL server.
 * Its endpoint is that server's address and port; creating the cluster creates its database
 * and master user there, as RDS does; the engine versions offered are the server's own
 * version (that is what the data lands in). Statuses go creating → available with time.
 */
import type { DBCluster, DBInstance } from "@aws-sdk/client-rds";
import type { RdsPort } from "../../adapters/aws/ports.js";
import { type PgClient, connectPg } from "../../adapters/postgres/connect.js";
import { type Clock, systemClock } from "../../core/clock.js";
import { quoteIdent } from "../../plan/sql-text.js";
import { type ClusterRecord, type DbInstanceRecord, LOCAL_SUBNETS, LOCAL_VPC, type StandinAccount } from "./account.js";
import { answer, awsFault } from "./faults.js";

export interface StandinRdsOptions {
  clock?: Clock;
  /** How long a new cluster (and, half as long again, its instances) stays `creating` (ms). */
  settleMs: number;
}

export class StandinRds implements RdsPort {
  private readonly clock: Clock;

  constructor(
    private readonly account: StandinAccount,
    private readonly o: StandinRdsOptions,
  ) {
    this.clock = o.clock ?? systemClock;
  }

  private get data() {
    return this.account.data;
  }

  private async admin<T>(fn: (c: PgClient) => Promise<T>): Promise<T> {
    const s = this.data.auroraServer;
    const client = await connectPg({ host: s.host, port: s.port, user: s.user, database: "postgres", params: { sslmode: s.sslmode } }, undefined, {
      applicationName: "aurora-migrate-standin",
    });
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private status(createdAt: number, factor = 1): string {
    return this.clock.now().getTime() - createdAt < this.o.settleMs * factor ? "creating" : "available";
  }

  private clusterShape(c: ClusterRecord): DBCluster {
    const s = this.data.auroraServer;
    return {
      DBClusterIdentifier: c.id,
      DBClusterArn: c.arn,
      Status: this.status(c.createdAt),
      Engine: "aurora-postgresql",
      EngineVersion: c.engineVersion,
      Endpoint: s.host,
      ReaderEndpoint: s.host,
      Port: s.port,
      MasterUsername: c.masterUsername,
      ...(c.database ? { DatabaseName: c.database } : {}),
      ...(c.subnetGroup ? { DBSubnetGroup: c.subnetGroup } : {}),
      DBClusterParameterGroup: c.parameterGroup ?? `default.aurora-postgresql${c.engineVersion.split(".")[0] ?? ""}`,
      VpcSecurityGroups: c.securityGroupIds.map((g) => ({ VpcSecurityGroupId: g, Status: "active" })),
      StorageEncrypted: c.storageEncrypted,
      ...(c.managedSecret ? { MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:${this.data.region}:${this.data.accountId}:secret:rds!cluster-${c.id}`, SecretStatus: "active" } } : {}),
      DBClusterMembers: Object.values(this.data.dbInstances)
        .filter((i) => i.clusterId === c.id)
        .map((i, n) => ({ DBInstanceIdentifier: i.id, IsClusterWriter: n === 0, PromotionTier: n })),
      ClusterCreateTime: new Date(c.createdAt),
    };
  }

  private instanceShape(i: DbInstanceRecord): DBInstance {
    const s = this.data.auroraServer;
    return {
      DBInstanceIdentifier: i.id,
      DBInstanceArn: i.arn,
      DBClusterIdentifier: i.clusterId,
      DBInstanceClass: i.instanceClass,
      Engine: "aurora-postgresql",
      DBInstanceStatus: this.status(i.createdAt, 1.5),
      PubliclyAccessible: i.publiclyAccessible,
      Endpoint: { Address: s.host, Port: s.port },
    };
  }

  describeDBClusters: RdsPort["describeDBClusters"] = (input) =>
    answer(() => {
    if (input.DBClusterIdentifier) {
      const c = this.data.clusters[input.DBClusterIdentifier.toLowerCase()];
      if (!c) throw awsFault("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found.`, 404);
      return { DBClusters: [this.clusterShape(c)] };
    }
    return { DBClusters: Object.values(this.data.clusters).map((c) => this.clusterShape(c)) };
    });

  describeDBInstances: RdsPort["describeDBInstances"] = (input) =>
    answer(() => {
    if (input.DBInstanceIdentifier) {
      const i = this.data.dbInstances[input.DBInstanceIdentifier.toLowerCase()];
      if (!i) throw awsFault("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
      return { DBInstances: [this.instanceShape(i)] };
    }
    return { DBInstances: Object.values(this.data.dbInstances).map((i) => this.instanceShape(i)) };
    });

  /** The version the server playing Aurora runs: the only one this "region" offers. */
  describeDBEngineVersions: RdsPort["describeDBEngineVersions"] = async (input) => {
    if (input.Engine && input.Engine !== "aurora-postgresql") return { DBEngineVersions: [] };
    const version = await this.serverVersion();
    const major = version.split(".")[0] ?? version;
    return {
      DBEngineVersions: [
        { Engine: "aurora-postgresql", EngineVersion: version, MajorEngineVersion: major, DBParameterGroupFamily: `aurora-postgresql${major}`, Status: "available", DBEngineDescription: "Aurora (PostgreSQL), played by a local server" },
      ],
    };
  };

  describeDBSubnetGroups: RdsPort["describeDBSubnetGroups"] = (input) =>
    answer(() => {
    const groups = [
      {
        DBSubnetGroupName: "default",
        DBSubnetGroupDescription: "default (the stand-in's local network)",
        VpcId: LOCAL_VPC,
        SubnetGroupStatus: "Complete",
        Subnets: LOCAL_SUBNETS.map((s, i) => ({ SubnetIdentifier: s, SubnetAvailabilityZone: { Name: `${this.data.region}${"ab"[i % 2]}` }, SubnetStatus: "Active" })),
      },
    ];
    const found = groups.filter((g) => !input.DBSubnetGroupName || g.DBSubnetGroupName === input.DBSubnetGroupName);
    if (input.DBSubnetGroupName && found.length === 0) throw awsFault("DBSubnetGroupNotFoundFault", `DB subnet group '${input.DBSubnetGroupName}' not found.`, 404);
    return { DBSubnetGroups: found };
    });

  createDBCluster: RdsPort["createDBCluster"] = async (input) => {
    const id = (input.DBClusterIdentifier ?? "").toLowerCase();
    if (this.data.clusters[id]) throw awsFault("DBClusterAlreadyExistsFault", "DB Cluster already exists");
    if (input.Engine !== "aurora-postgresql") throw awsFault("InvalidParameterValue", `The local stand-in plays aurora-postgresql only, not ${input.Engine ?? "(none)"}.`);
    const version = await this.serverVersion();
    if (input.EngineVersion && input.EngineVersion.split(".")[0] !== version.split(".")[0]) {
      throw awsFault("InvalidParameterCombination", `Cannot find version ${input.EngineVersion} for aurora-postgresql (this stand-in offers ${version}).`);
    }
    const masterUsername = input.MasterUsername ?? "postgres";
    // What RDS does on create: the master user and the initial database.
    await this.admin(async (c) => {
      const role = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [masterUsername]);
      if (role.rowCount === 0) await c.query(`CREATE ROLE ${quoteIdent(masterUsername)} LOGIN SUPERUSER`);
      if (input.DatabaseName) {
        const db = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [input.DatabaseName]);
        if (db.rowCount === 0) await c.query(`CREATE DATABASE ${quoteIdent(input.DatabaseName)} OWNER ${quoteIdent(masterUsername)}`);
      }
    });
    const record: ClusterRecord = {
      id,
      arn: this.account.arn("rds", "cluster", id),
      createdAt: this.clock.now().getTime(),
      engineVersion: version,
      masterUsername,
      ...(input.DatabaseName ? { database: input.DatabaseName } : {}),
      ...(input.DBSubnetGroupName ? { subnetGroup: input.DBSubnetGroupName } : {}),
      securityGroupIds: input.VpcSecurityGroupIds ?? ["sg-0standin0default"],
      managedSecret: input.ManageMasterUserPassword === true,
      storageEncrypted: input.StorageEncrypted === true,
      port: this.data.auroraServer.port,
      ...(input.DBClusterParameterGroupName ? { parameterGroup: input.DBClusterParameterGroupName } : {}),
    };
    if (input.DBClusterParameterGroupName && !this.data.clusterParameterGroups?.[input.DBClusterParameterGroupName]) {
      throw awsFault("DBClusterParameterGroupNotFoundFault", `DBClusterParameterGroup not found: ${input.DBClusterParameterGroupName}`, 404);
    }
    this.data.clusters[id] = record;
    await this.account.save();
    return { DBCluster: this.clusterShape(record) };
  };

  createDBInstance: RdsPort["createDBInstance"] = async (input) => {
    const id = (input.DBInstanceIdentifier ?? "").toLowerCase();
    if (this.data.dbInstances[id]) throw awsFault("DBInstanceAlreadyExistsFault", "DB instance already exists");
    const clusterId = (input.DBClusterIdentifier ?? "").toLowerCase();
    if (!this.data.clusters[clusterId]) throw awsFault("DBClusterNotFoundFault", `DBCluster ${clusterId} not found.`, 404);
    const record: DbInstanceRecord = {
      id,
      arn: this.account.arn("rds", "db", id),
      clusterId,
      instanceClass: input.DBInstanceClass ?? "db.r6g.large",
      publiclyAccessible: input.PubliclyAccessible === true,
      createdAt: this.clock.now().getTime(),
    };
    this.data.dbInstances[id] = record;
    await this.account.save();
    return { DBInstance: this.instanceShape(record) };
  };

  private get parameterGroups() {
    return (this.data.clusterParameterGroups ??= {});
  }

  /**
   * Cluster parameter groups are records: the local server's settings are its own (a default
   * group reads rds.logical_replication from the server's wal_level, which is what it stands for).
   */
  describeDBClusterParameterGroups: RdsPort["describeDBClusterParameterGroups"] = (input) =>
    answer(() => {
      const names = input.DBClusterParameterGroupName ? [input.DBClusterParameterGroupName] : Object.keys(this.parameterGroups);
      return {
        DBClusterParameterGroups: names.map((n) => {
          const g = this.parameterGroups[n];
          const family = g?.family ?? /^default\.(aurora-postgresql\d+)$/.exec(n)?.[1];
          if (!family) throw awsFault("DBParameterGroupNotFoundFault", `DBClusterParameterGroup not found: ${n}`, 404);
          return { DBClusterParameterGroupName: n, DBParameterGroupFamily: family, Description: g?.description ?? `Default cluster parameter group for ${family}` };
        }),
      };
    });

  describeDBClusterParameters: RdsPort["describeDBClusterParameters"] = async (input) => {
    const name = input.DBClusterParameterGroupName ?? "";
    const g = this.parameterGroups[name];
    if (!g && !name.startsWith("default.")) throw awsFault("DBParameterGroupNotFoundFault", `DBClusterParameterGroup not found: ${name}`, 404);
    const logical = g?.values["rds.logical_replication"] ?? (await this.admin(async (c) => ((await c.query<{ w: string }>("SELECT current_setting('wal_level') AS w")).rows[0]?.w === "logical" ? "1" : "0")));
    return { Parameters: [{ ParameterName: "rds.logical_replication", ParameterValue: logical, ApplyType: "static", Source: g?.values["rds.logical_replication"] ? "user" : "engine-default" }] };
  };

  createDBClusterParameterGroup: RdsPort["createDBClusterParameterGroup"] = async (input) => {
    const name = input.DBClusterParameterGroupName ?? "";
    if (this.parameterGroups[name] || name.startsWith("default.")) throw awsFault("DBParameterGroupAlreadyExistsFault", `Parameter group ${name} already exists`);
    this.parameterGroups[name] = { family: input.DBParameterGroupFamily ?? "", description: input.Description ?? "", values: {} };
    await this.account.save();
    return { DBClusterParameterGroup: { DBClusterParameterGroupName: name, DBParameterGroupFamily: input.DBParameterGroupFamily, Description: input.Description } };
  };

  modifyDBClusterParameterGroup: RdsPort["modifyDBClusterParameterGroup"] = async (input) => {
    const name = input.DBClusterParameterGroupName ?? "";
    const g = this.parameterGroups[name];
    if (!g) throw awsFault(name.startsWith("default.") ? "InvalidDBParameterGroupStateFault" : "DBParameterGroupNotFoundFault", `Cannot modify the parameter group ${name}.`, name.startsWith("default.") ? 400 : 404);
    for (const p of input.Parameters ?? []) {
      if (p.ParameterName === "rds.logical_replication" && p.ApplyMethod === "immediate") throw awsFault("InvalidParameterCombination", "cannot use immediate apply method for static parameter");
      if (p.ParameterName) g.values[p.ParameterName] = p.ParameterValue ?? "";
    }
    await this.account.save();
    return { DBClusterParameterGroupName: name };
  };

  deleteDBClusterParameterGroup: RdsPort["deleteDBClusterParameterGroup"] = async (input) => {
    const name = input.DBClusterParameterGroupName ?? "";
    if (!this.parameterGroups[name]) throw awsFault("DBParameterGroupNotFoundFault", `DBClusterParameterGroup not found: ${name}`, 404);
    if (Object.values(this.data.clusters).some((c) => c.parameterGroup === name)) {
      throw awsFault("InvalidDBParameterGroupStateFault", `One or more database clusters are still members of this parameter group ${name}, so the group cannot be deleted`);
    }
    delete this.parameterGroups[name];
    await this.account.save();
    return {};
  };

  private async serverVersion(): Promise<string> {
    return this.admin(async (c) => {
      const { rows } = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      return (rows[0]?.v ?? "0").split(" ")[0] ?? "0";
    });
  }
}
