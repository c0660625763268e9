/**
 * The stand-in's Secrets Manager: the secrets the wizard makes for DMS's endpoints, and the
 * master secret RDS keeps for a cluster it manages the password of (`rds!cluster-<id>`: the
 * master user's name and password, no host or port, as RDS's; its password is made up per
 * process, since the demo's server that plays Aurora trusts its local logins). Passwords stay in
 * memory only (account.ts, SecretRecord); everything else is kept in the account file.
 */
import { randomBytes } from "node:crypto";
import type { SecretsManagerPort } from "../../adapters/aws/ports.js";
import { type Clock, systemClock } from "../../core/clock.js";
import type { SecretRecord, StandinAccount } from "./account.js";
import { answer, awsFault } from "./faults.js";

const NOT_FOUND = "Secrets Manager can't find the specified secret.";

export class StandinSecretsManager implements SecretsManagerPort {
  /** Whole secret strings by ARN, for this process only. */
  private readonly values = new Map<string, string>();
  private readonly masterPasswords = new Map<string, string>();
  private readonly clock: Clock;

  constructor(
    private readonly account: StandinAccount,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  private get secrets(): Record<string, SecretRecord> {
    return (this.account.data.secrets ??= {});
  }

  /** RDS's own secret for a cluster whose master password it manages. */
  private managed(id: string | undefined): { arn: string; name: string; username: string } | undefined {
    const m = /(?:^|:secret:)(rds!cluster-([a-z0-9-]+))$/.exec(id ?? "");
    const cluster = m ? this.account.data.clusters[m[2] ?? ""] : undefined;
    if (!m || !cluster?.managedSecret) return undefined;
    return { arn: `arn:aws:secretsmanager:${this.account.data.region}:${this.account.data.accountId}:secret:${m[1] ?? ""}`, name: m[1] ?? "", username: cluster.masterUsername };
  }

  private find(id: string | undefined): SecretRecord | undefined {
    return this.secrets[id ?? ""] ?? Object.values(this.secrets).find((s) => s.name === id);
  }

  private record(id: string | undefined): SecretRecord {
    const s = this.find(id);
    if (!s) throw awsFault("ResourceNotFoundException", NOT_FOUND);
    return s;
  }

  private store(s: SecretRecord, text: string | undefined): void {
    if (text === undefined) return;
    this.values.set(s.arn, text);
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        const { password: _password, ...rest } = parsed as Record<string, unknown>;
        s.publicValue = rest;
        return;
      }
    } catch {
      // Not JSON: nothing of it is kept on disk.
    }
    delete s.publicValue;
  }

  /** The secret's string as this process knows it (without the password after a restart). */
  valueOf(id: string | undefined): { arn: string; name: string; text: string; owningService?: string } | undefined {
    const m = this.managed(id);
    if (m) {
      let pw = this.masterPasswords.get(m.arn);
      if (!pw) this.masterPasswords.set(m.arn, (pw = randomBytes(18).toString("base64url")));
      return { arn: m.arn, name: m.name, text: JSON.stringify({ username: m.username, password: pw }), owningService: "rds" };
    }
    const s = this.find(id);
    if (!s) return undefined;
    const text = this.values.get(s.arn) ?? (s.publicValue ? JSON.stringify(s.publicValue) : undefined);
    return text === undefined ? undefined : { arn: s.arn, name: s.name, text };
  }

  createSecret: SecretsManagerPort["createSecret"] = async (input) => {
    const name = input.Name ?? "";
    if (!/^[\w/+=.@-]{1,512}$/.test(name)) throw awsFault("ValidationException", `Invalid name ${name}.`);
    if (this.find(name) || this.managed(name)) throw awsFault("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    const arn = `arn:aws:secretsmanager:${this.account.data.region}:${this.account.data.accountId}:secret:${name}-${randomBytes(3).toString("hex")}`;
    const s: SecretRecord = { name, arn, createdAt: this.clock.now().getTime(), versions: 1, ...(input.KmsKeyId ? { kmsKeyId: input.KmsKeyId } : {}) };
    this.store(s, input.SecretString);
    this.secrets[arn] = s;
    await this.account.save();
    return { ARN: arn, Name: name, VersionId: "v1" };
  };

  describeSecret: SecretsManagerPort["describeSecret"] = (input) =>
    answer(() => {
      const m = this.managed(input.SecretId);
      if (m) return { ARN: m.arn, Name: m.name, OwningService: "rds" };
      const s = this.record(input.SecretId);
      return { ARN: s.arn, Name: s.name, CreatedDate: new Date(s.createdAt), ...(s.kmsKeyId ? { KmsKeyId: s.kmsKeyId } : {}) };
    });

  getSecretValue: SecretsManagerPort["getSecretValue"] = (input) =>
    answer(() => {
      const v = this.valueOf(input.SecretId);
      if (!v) throw awsFault("ResourceNotFoundException", NOT_FOUND);
      return { ARN: v.arn, Name: v.name, SecretString: v.text, VersionId: `v${this.find(v.arn)?.versions ?? 1}` };
    });

  putSecretValue: SecretsManagerPort["putSecretValue"] = async (input) => {
    if (this.managed(input.SecretId)) throw awsFault("InvalidRequestException", "You can't modify a secret managed by RDS.");
    const s = this.record(input.SecretId);
    this.store(s, input.SecretString);
    s.versions += 1;
    await this.account.save();
    return { ARN: s.arn, Name: s.name, VersionId: `v${s.versions}` };
  };

  deleteSecret: SecretsManagerPort["deleteSecret"] = async (input) => {
    if (this.managed(input.SecretId)) throw awsFault("InvalidRequestException", "You can't delete a secret managed by RDS.");
    const s = this.record(input.SecretId);
    // The stand-in deletes at once, with or without a recovery window.
    delete this.secrets[s.arn];
    this.values.delete(s.arn);
    await this.account.save();
    return { ARN: s.arn, Name: s.name, DeletionDate: this.clock.now() };
  };
}
