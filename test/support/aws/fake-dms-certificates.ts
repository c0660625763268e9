import { X509Certificate } from "node:crypto";
import type { DmsCertificate, DmsEndpoint, DmsPort } from "../../../src/adapters/aws/ports.js";
import { fault } from "./fake-secrets-iam.js";

type Op = <T>(service: string, method: string, input: object, body: () => T | Promise<T>) => Promise<T>;

/** DMS's imported certificates, by identifier (lower case, as DMS stores identifiers). */
export class FakeCertificateStore {
  readonly byId = new Map<string, DmsCertificate>();
  private n = 0;
  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  add(id: string, pem: string): DmsCertificate {
    this.n += 1;
    const first = new X509Certificate(pem);
    const c: DmsCertificate = {
      CertificateIdentifier: id,
      CertificateArn: `arn:aws:dms:${this.region}:${this.accountId}:cert:CERT${String(this.n).padStart(6, "0")}`,
      CertificatePem: pem,
      CertificateCreationDate: new Date(),
      CertificateOwner: this.accountId,
      ValidFromDate: new Date(first.validFrom),
      ValidToDate: new Date(first.validTo),
    };
    this.byId.set(id, c);
    return c;
  }

  byArn(arn: string | undefined): DmsCertificate | undefined {
    return [...this.byId.values()].find((c) => c.CertificateArn === arn);
  }
}

/**
 * ImportCertificate, DescribeCertificates and DeleteCertificate as DMS answers them: a PEM
 * without a parsable X.509 certificate is InvalidCertificateFault, an identifier taken is
 * ResourceAlreadyExistsFault, a filter matching nothing is ResourceNotFoundFault, and a
 * certificate an endpoint still names (deleting or not) cannot be deleted (InvalidResourceStateFault).
 * The store is looked up per call: the fake builds its DMS port before its constructor runs.
 */
export function fakeDmsCertificates(op: Op, storeOf: () => FakeCertificateStore, endpoints: () => Iterable<DmsEndpoint>): Pick<DmsPort, "importCertificate" | "describeCertificates" | "deleteCertificate"> {
  return {
    importCertificate: (input) =>
      op("dms", "importCertificate", input, () => {
        const store = storeOf();
        const id = (input.CertificateIdentifier ?? "").toLowerCase();
        if (store.byId.has(id)) throw fault("ResourceAlreadyExistsFault", `Certificate ${id} already exists.`);
        const pem = input.CertificatePem ?? "";
        const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
        try {
          if (blocks.length === 0) throw new Error("no certificate");
          for (const b of blocks) new X509Certificate(b);
        } catch {
          throw fault("InvalidCertificateFault", "The certificate is not valid: expected PEM X.509 certificates.");
        }
        return { Certificate: { ...store.add(id, pem) } };
      }),
    describeCertificates: (input) =>
      op("dms", "describeCertificates", input, () => {
        const store = storeOf();
        const f = (name: string): string[] | undefined => input.Filters?.find((x) => x.Name === name)?.Values;
        const ids = f("certificate-id");
        const arns = f("certificate-arn");
        const found = [...store.byId.values()].filter((c) => (!ids || ids.includes(c.CertificateIdentifier ?? "")) && (!arns || arns.includes(c.CertificateArn ?? "")));
        if ((ids || arns) && found.length === 0) throw fault("ResourceNotFoundFault", "Certificate not found");
        return { Certificates: found.map((c) => ({ ...c })) };
      }),
    deleteCertificate: (input) =>
      op("dms", "deleteCertificate", input, () => {
        const store = storeOf();
        const c = store.byArn(input.CertificateArn);
        if (!c) throw fault("ResourceNotFoundFault", "Certificate not found");
        const user = [...endpoints()].find((e) => e.CertificateArn === c.CertificateArn);
        if (user) throw fault("InvalidResourceStateFault", `The certificate is in use by the endpoint ${user.EndpointIdentifier ?? "?"}.`);
        store.byId.delete(c.CertificateIdentifier ?? "");
        return { Certificate: { ...c } };
      }),
  };
}
