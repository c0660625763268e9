/**
 * A throwaway self-signed TLS certificate for the demo's local servers, made with Node's own
 * crypto (no openssl binary needed: the demo must run on a machine with only Node and npm).
 * The wizard talks to Aurora with sslmode=require, as Aurora wants, so the server playing
 * Aurora must speak TLS; the certificate is made per server start and removed with it.
 *
 * Node can sign but not build X.509 certificates, so the few DER structures of one are
 * encoded here (RFC 5280: a v3 certificate, RSA key, sha256WithRSAEncryption, CN=localhost).
 * `issueCertificate` also makes a CA and certificates it signs, with subject alternative names,
 * for the tests of verified TLS (sslmode=verify-ca/verify-full).
 */
import { type KeyObject, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isIPv4 } from "node:net";

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const nul = (): Buffer => Buffer.from([0x05, 0x00]);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8"));
const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));

function integer(b: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit needs a zero byte in front.
  return tlv(0x02, (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, "0");
  const text = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(text, "ascii"));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * A positive serial whose DER encoding is minimal: the first byte is neither 0 (OpenSSL, and so
 * PostgreSQL, rejects a needless leading zero as "illegal padding" — 1 start in 128 failed
 * before this) nor has its high bit set (that would make it negative).
 */
export function serialNumber(random: Buffer): Buffer {
  const serial = Buffer.from(random);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
}

/** A certificate, its key, and what it takes to sign others with it (when it is a CA). */
export interface IssuedCertificate extends SelfSignedCertificate {
  /** The DER-encoded subject name, the issuer name of the certificates this one signs. */
  readonly name: Buffer;
  readonly privateKey: KeyObject;
}

export interface CertificateRequest {
  commonName: string;
  /** subjectAltName DNS entries (e.g. localhost). */
  dnsNames?: string[];
  /** subjectAltName IPv4 addresses (e.g. 127.0.0.1). */
  ipAddresses?: string[];
  /** A CA certificate (basicConstraints cA, keyCertSign). */
  ca?: boolean;
  /** Who signs; default: the certificate itself (self-signed). */
  issuer?: IssuedCertificate;
  now?: Date;
  days?: number;
}

const bool = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const extension = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function extensionsOf(r: CertificateRequest): Buffer[] {
  const list: Buffer[] = [];
  if (r.ca) {
    list.push(extension("2.5.29.19", true, seq(bool(true))));
    // keyUsage: keyCertSign (bit 5) and cRLSign (bit 6); one unused bit.
    list.push(extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x01, 0x06]))));
  }
  const names = [
    ...(r.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, "ascii"))),
    ...(r.ipAddresses ?? []).map((ip) => {
      if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${ip}`);
      return tlv(0x87, Buffer.from(ip.split(".").map(Number)));
    }),
  ];
  if (names.length) list.push(extension("2.5.29.17", false, seq(...names)));
  return list;
}

/** A v3 certificate for `commonName`, valid from a day ago for `days` days, signed by `issuer` or itself. */
export function issueCertificate(r: CertificateRequest): IssuedCertificate {
  const now = r.now ?? new Date();
  const days = r.days ?? 30;
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const algorithm = seq(oid("1.2.840.113549.1.1.11"), nul());
  const name = seq(set(seq(oid("2.5.4.3"), utf8(r.commonName))));
  const extensions = extensionsOf(r);
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serialNumber(randomBytes(16))),
    algorithm,
    r.issuer?.name ?? name,
    seq(utcTime(new Date(now.getTime() - 86_400_000)), utcTime(new Date(now.getTime() + days * 86_400_000))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    ...(extensions.length ? [tlv(0xa3, seq(...extensions))] : []),
  );
  const signature = sign("sha256", tbs, r.issuer?.privateKey ?? privateKey);
  return {
    certPem: pem("CERTIFICATE", seq(tbs, algorithm, bitString(signature))),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    name,
    privateKey,
  };
}

/** A self-signed certificate for `commonName`, valid from a day ago for `days` days. */
export function selfSignedCertificate(commonName = "localhost", now = new Date(), days = 30): SelfSignedCertificate {
  const { certPem, keyPem } = issueCertificate({ commonName, now, days });
  return { certPem, keyPem };
}
