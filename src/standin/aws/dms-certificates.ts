/**
 * The stand-in DMS's certificates: ImportCertificate, DescribeCertificates and DeleteCertificate
 * with DMS's shapes and faults. A certificate is a CA (or a bundle of them, as RDS publishes)
 * that an endpoint with SslMode verify-ca/verify-full checks its server against; the stand-in
 * then connects with libpq's sslmode of the same name and the PEM, written to a file beside the
 * account, as sslrootcert. A CA certificate is public: the account file keeps its PEM.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import type { Certificate, Filter } from "@aws-sdk/client-database-migration-service";
import type { DmsPort } from "../../adapters/aws/ports.js";
import type { Clock } from "../../core/clock.js";
import { type CertificateRecord, type StandinAccount, dmsResourceId } from "./account.js";
import { answer, awsFault } from "./faults.js";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function values(filters: Filter[] | undefined, name: string): string[] | undefined {
  return filters?.find((f) => f.Name === name)?.Values;
}

/** The X.509 certificates of a PEM text; InvalidCertificateFault when there is none, or one does not parse. */
function parsePem(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  try {
    if (blocks.length === 0) throw new Error("no PEM certificate");
    return blocks.map((b) => new X509Certificate(b));
  } catch (err) {
    throw awsFault("InvalidCertificateFault", `The certificate is not valid: ${(err as Error).message}. Give PEM X.509 certificates.`);
  }
}

export class StandinCertificates {
  constructor(
    private readonly account: StandinAccount,
    private readonly clock: Clock,
  ) {}

  private get all(): Record<string, CertificateRecord> {
    return (this.account.data.certificates ??= {});
  }

  private byArn(arn: string | undefined): CertificateRecord | undefined {
    return Object.values(this.all).find((c) => c.arn === arn);
  }

  private pemPath(c: CertificateRecord): string {
    return `${this.account.path.replace(/\.json$/, "")}.cert-${c.arn.split(":").pop() ?? c.id}.pem`;
  }

  private shape(c: CertificateRecord): Certificate {
    const [first] = parsePem(c.pem);
    return {
      CertificateIdentifier: c.id,
      CertificateArn: c.arn,
      CertificateCreationDate: new Date(c.createdAt),
      CertificatePem: c.pem,
      CertificateOwner: this.account.data.accountId,
      ...(first ? { ValidFromDate: new Date(first.validFrom), ValidToDate: new Date(first.validTo) } : {}),
    };
  }

  /**
   * The file the stand-in names as sslrootcert for an endpoint's certificate (written again if
   * it went missing); a ResourceNotFoundFault for a certificate that is gone.
   */
  rootCertPath(arn: string): string {
    const c = this.byArn(arn);
    if (!c) throw awsFault("ResourceNotFoundFault", `Certificate ${arn} not found.`);
    const path = this.pemPath(c);
    if (!existsSync(path)) writeFileSync(path, c.pem, { mode: 0o644 });
    return path;
  }

  /** A ResourceNotFoundFault unless the certificate exists (an endpoint may name only an imported one). */
  mustExist(arn: string): void {
    if (!this.byArn(arn)) throw awsFault("ResourceNotFoundFault", `Certificate ${arn} not found.`);
  }

  importCertificate: DmsPort["importCertificate"] = async (input) => {
    const id = (input.CertificateIdentifier ?? "").toLowerCase();
    if (!/^[a-z][a-z0-9-]*$/.test(id) || id.includes("--") || id.endsWith("-")) {
      throw awsFault("InvalidParameterValueException", `The certificate identifier "${input.CertificateIdentifier ?? ""}" must begin with a letter and hold only letters, digits and hyphens (not two in a row, not at the end).`);
    }
    if (this.all[id]) throw awsFault("ResourceAlreadyExistsFault", `The certificate ${id} already exists.`);
    const pem = input.CertificatePem ?? "";
    parsePem(pem);
    const record: CertificateRecord = { id, arn: this.account.arn("dms", "cert", dmsResourceId()), pem, createdAt: this.clock.now().getTime(), tags: input.Tags ?? [] };
    this.all[id] = record;
    writeFileSync(this.pemPath(record), pem, { mode: 0o644 });
    await this.account.save();
    return { Certificate: this.shape(record) };
  };

  describeCertificates: DmsPort["describeCertificates"] = (input) =>
    answer(() => {
      const ids = values(input.Filters, "certificate-id")?.map((v) => v.toLowerCase());
      const arns = values(input.Filters, "certificate-arn");
      const found = Object.values(this.all).filter((c) => (!ids || ids.includes(c.id)) && (!arns || arns.includes(c.arn)));
      if ((ids || arns) && found.length === 0) throw awsFault("ResourceNotFoundFault", "No certificates found matching the filters.");
      return { Certificates: found.map((c) => this.shape(c)) };
    });

  /** Refused while `usedBy` names an endpoint that uses the certificate, as DMS refuses. */
  async deleteCertificate(input: Parameters<DmsPort["deleteCertificate"]>[0], usedBy: (arn: string) => string | undefined): ReturnType<DmsPort["deleteCertificate"]> {
    const c = this.byArn(input.CertificateArn);
    if (!c) throw awsFault("ResourceNotFoundFault", `Certificate ${input.CertificateArn ?? ""} not found.`);
    const endpoint = usedBy(c.arn);
    if (endpoint) throw awsFault("InvalidResourceStateFault", `The certificate ${c.id} is in use by the endpoint ${endpoint}; delete or modify that endpoint first.`);
    const shown = this.shape(c);
    delete this.all[c.id];
    rmSync(this.pemPath(c), { force: true });
    await this.account.save();
    return { Certificate: shown };
  }
}
