import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate, serialNumber } from "../../src/standin/tls-certificate.js";

describe("the demo servers' self-signed certificate", () => {
  it.each([0x00, 0x01, 0x7f, 0x80, 0xff])("GIVEN random bytes starting with 0x%s THEN the serial is positive with no needless leading zero", (first) => {
    const random = Buffer.alloc(16, 0xab);
    random[0] = first;
    const serial = serialNumber(random);
    expect(serial[0]).not.toBe(0);
    expect((serial[0] ?? 0) & 0x80).toBe(0);
    expect(serial.subarray(1)).toEqual(random.subarray(1));
  });

  it("GIVEN a new certificate THEN OpenSSL (through node:crypto) parses it, self-signed for its common name", () => {
    const { certPem } = selfSignedCertificate("localhost");
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toBe("CN=localhost");
    expect(cert.verify(cert.publicKey)).toBe(true);
  });
});
