import type { IamPort, SecretsManagerPort } from "../../../src/adapters/aws/ports.js";
import type { RoleView } from "../../../src/plan/iam-policy-check.js";

/** An error shaped like the SDK's: `name` is the AWS code. */
export function fault(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

type Op = <T>(service: string, method: string, input: object, body: () => T | Promise<T>) => Promise<T>;

export interface FakeSecret {
  Name: string;
  ARN: string;
  SecretString?: string;
  KmsKeyId?: string;
  /** "rds" for the master secret RDS manages. */
  OwningService?: string;
  DeletedDate?: Date;
  versions: number;
}

/** Secrets Manager's secrets, by ARN; found by ARN or by name, as SecretId allows. */
export class FakeSecretStore {
  readonly byArn = new Map<string, FakeSecret>();
  private n = 0;
  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** `arn:aws:secretsmanager:…:secret:<name>-<6 characters>`, as Secrets Manager names them. */
  add(name: string, secretString: string | undefined, extra: Partial<FakeSecret> = {}, arn?: string): FakeSecret {
    this.n += 1;
    const secret: FakeSecret = { Name: name, ARN: arn ?? `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-Ab${String(this.n).padStart(4, "0")}`, versions: 1, ...(secretString === undefined ? {} : { SecretString: secretString }), ...extra };
    this.byArn.set(secret.ARN, secret);
    return secret;
  }

  find(id: string | undefined): FakeSecret | undefined {
    return this.byArn.get(id ?? "") ?? [...this.byArn.values()].find((s) => s.Name === id);
  }

  get(id: string | undefined): FakeSecret {
    const s = this.find(id);
    if (!s) throw fault("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return s;
  }
}

export function fakeSecretsManager(op: Op, store: FakeSecretStore): SecretsManagerPort {
  const live = (id: string | undefined): FakeSecret => {
    const s = store.get(id);
    if (s.DeletedDate) throw fault("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.");
    return s;
  };
  return {
    createSecret: (input) =>
      op("secretsmanager", "createSecret", input, () => {
        if (store.find(input.Name)) throw fault("ResourceExistsException", `The operation failed because the secret ${input.Name} already exists.`);
        const s = store.add(input.Name ?? "", input.SecretString, input.KmsKeyId ? { KmsKeyId: input.KmsKeyId } : {});
        return { ARN: s.ARN, Name: s.Name, VersionId: `v${s.versions}` };
      }),
    describeSecret: (input) =>
      op("secretsmanager", "describeSecret", input, () => {
        const s = store.get(input.SecretId);
        return { ARN: s.ARN, Name: s.Name, ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}), ...(s.OwningService ? { OwningService: s.OwningService } : {}), ...(s.DeletedDate ? { DeletedDate: s.DeletedDate } : {}) };
      }),
    getSecretValue: (input) =>
      op("secretsmanager", "getSecretValue", input, () => {
        const s = live(input.SecretId);
        return { ARN: s.ARN, Name: s.Name, VersionId: `v${s.versions}`, ...(s.SecretString === undefined ? {} : { SecretString: s.SecretString }) };
      }),
    putSecretValue: (input) =>
      op("secretsmanager", "putSecretValue", input, () => {
        const s = live(input.SecretId);
        if (input.SecretString !== undefined) s.SecretString = input.SecretString;
        s.versions += 1;
        return { ARN: s.ARN, Name: s.Name, VersionId: `v${s.versions}` };
      }),
    deleteSecret: (input) =>
      op("secretsmanager", "deleteSecret", input, () => {
        const s = store.get(input.SecretId);
        if (input.ForceDeleteWithoutRecovery) store.byArn.delete(s.ARN);
        else s.DeletedDate = new Date();
        return { ARN: s.ARN, Name: s.Name, DeletionDate: new Date() };
      }),
  };
}

export interface FakeRole {
  RoleName: string;
  Arn: string;
  Path: string;
  AssumeRolePolicyDocument: string;
  policies: Map<string, string>;
}

/** IAM roles: DMS's two account roles when `accountRoles` lists them, and those created. */
export class FakeRoleStore {
  readonly created = new Map<string, FakeRole>();
  constructor(
    private readonly accountId: string,
    readonly accountRoles: string[],
  ) {}

  /** The role as DMS would see it, by ARN. */
  view(arn: string | undefined): RoleView | undefined {
    const r = [...this.created.values()].find((x) => x.Arn === arn);
    return r ? { arn: r.Arn, trustPolicy: r.AssumeRolePolicyDocument, policies: [...r.policies.values()] } : undefined;
  }

  arnOf(name: string, path = "/"): string {
    return `arn:aws:iam::${this.accountId}:role${path}${name}`;
  }
}

export function fakeIam(op: Op, roles: FakeRoleStore): IamPort {
  const role = (name: string | undefined): FakeRole => {
    const r = roles.created.get(name ?? "");
    if (!r) throw fault("NoSuchEntityException", `The role with name ${name} cannot be found.`);
    return r;
  };
  const json = (doc: string | undefined): string => {
    try {
      JSON.parse(doc ?? "");
      return doc ?? "";
    } catch {
      throw fault("MalformedPolicyDocumentException", "This policy contains invalid Json");
    }
  };
  return {
    getRole: (input) =>
      op("iam", "getRole", input, () => {
        const name = input.RoleName ?? "";
        const made = roles.created.get(name);
        if (made) return { Role: { RoleName: name, Arn: made.Arn, Path: made.Path, RoleId: "AROAMADE", CreateDate: new Date(0), AssumeRolePolicyDocument: encodeURIComponent(made.AssumeRolePolicyDocument) } };
        if (!roles.accountRoles.includes(name)) throw fault("NoSuchEntityException", `The role with name ${name} cannot be found.`);
        return { Role: { RoleName: name, Arn: roles.arnOf(name), Path: "/", RoleId: "AROA", CreateDate: new Date(0) } };
      }),
    createRole: (input) =>
      op("iam", "createRole", input, () => {
        const name = input.RoleName ?? "";
        if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw fault("ValidationError", `Invalid role name ${name}`);
        if (roles.created.has(name) || roles.accountRoles.includes(name)) throw fault("EntityAlreadyExistsException", `Role with name ${name} already exists.`);
        const path = input.Path ?? "/";
        const r: FakeRole = { RoleName: name, Arn: roles.arnOf(name, path), Path: path, AssumeRolePolicyDocument: json(input.AssumeRolePolicyDocument), policies: new Map() };
        roles.created.set(name, r);
        return { Role: { RoleName: name, Arn: r.Arn, Path: path, RoleId: "AROAMADE", CreateDate: new Date(0) } };
      }),
    getRolePolicy: (input) =>
      op("iam", "getRolePolicy", input, () => {
        const doc = role(input.RoleName).policies.get(input.PolicyName ?? "");
        if (doc === undefined) throw fault("NoSuchEntityException", `The role policy with name ${input.PolicyName} cannot be found.`);
        return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
      }),
    putRolePolicy: (input) =>
      op("iam", "putRolePolicy", input, () => {
        role(input.RoleName).policies.set(input.PolicyName ?? "", json(input.PolicyDocument));
        return {};
      }),
    deleteRolePolicy: (input) =>
      op("iam", "deleteRolePolicy", input, () => {
        const r = role(input.RoleName);
        if (!r.policies.delete(input.PolicyName ?? "")) throw fault("NoSuchEntityException", `The role policy with name ${input.PolicyName} cannot be found.`);
        return {};
      }),
    deleteRole: (input) =>
      op("iam", "deleteRole", input, () => {
        const r = role(input.RoleName);
        if (r.policies.size > 0) throw fault("DeleteConflictException", "Cannot delete entity, must delete policies first.");
        roles.created.delete(r.RoleName);
        return {};
      }),
  };
}
