import type { ConnectionOptions } from "node:tls";
import { parse as parseConnectionString } from "pg-connection-string";
import { UsageError } from "../../core/errors.js";
import { type PgLocation, SSL_MODES, type SslMode, describeLocation, sslModeOf } from "./url.js";

/** TLS for one connection attempt: false is plain. */
export type TlsSetting = false | ConnectionOptions;

/**
 * How the tool connects for a location's sslmode, as libpq does: `first` is tried, and
 * `fallback` (plain for `prefer`, TLS for `allow`) when the server turns the first down.
 */
export interface TlsPlan {
  mode: SslMode;
  first: TlsSetting;
  fallback?: TlsSetting;
}

/** The SSL parameters of a location, as pg-connection-string reads them with libpq semantics. */
function libpqSsl(loc: PgLocation, mode: SslMode): ConnectionOptions {
  const query = new URLSearchParams({ sslmode: mode });
  const rootcert = loc.params["sslrootcert"];
  // libpq's sslrootcert=system: the system's trust store (Node's default CAs), host name checked.
  if (rootcert && rootcert !== "system") query.set("sslrootcert", rootcert);
  for (const k of ["sslcert", "sslkey"] as const) {
    const v = loc.params[k];
    if (v) query.set(k, v);
  }
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(`postgres://h/d?${query.toString()}`, { useLibpqCompat: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`Cannot use the TLS files for ${describeLocation(loc)}: ${e.code ? `${e.path ?? "?"} (${e.code})` : e.message}`, {
      hint: "Check sslrootcert, sslcert and sslkey in the URL: each must name a file this user can read.",
    });
  }
  const ssl = parsed.ssl;
  return typeof ssl === "object" && ssl !== null ? (ssl as ConnectionOptions) : {};
}

/** What to try for a location, in order. Throws a UsageError for verify-ca without a CA file. */
export function tlsPlan(loc: PgLocation): TlsPlan {
  const mode = sslModeOf(loc);
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`sslmode=${mode} for ${describeLocation(loc)} is not an sslmode.`, { hint: `Use one of ${SSL_MODES.join(", ")}.` });
  }
  if (mode === "verify-ca" && !loc.params["sslrootcert"]) {
    throw new UsageError(`sslmode=verify-ca for ${describeLocation(loc)} needs the CA that signed the server's certificate.`, {
      hint: "Add sslrootcert=/path/to/ca.pem to the URL (for Aurora, the RDS CA bundle of its region), or use sslmode=verify-full with a public CA.",
    });
  }
  switch (mode) {
    case "disable":
      return { mode, first: false };
    case "allow":
      return { mode, first: false, fallback: { ...libpqSsl(loc, "prefer"), rejectUnauthorized: false } };
    case "prefer":
      return { mode, first: { ...libpqSsl(loc, "prefer"), rejectUnauthorized: false }, fallback: false };
    default:
      return { mode, first: libpqSsl(loc, mode) };
  }
}

/** True when the server turned the attempt down in a way the other attempt may pass. */
export function shouldFallBack(plan: TlsPlan, err: unknown): boolean {
  if (plan.fallback === undefined) return false;
  const e = err as { code?: string; message?: string };
  // The server has no TLS (prefer), or pg_hba.conf admits this client only with(out) TLS (28000).
  return e.code === "28000" || /does not support SSL/i.test(e.message ?? "");
}

/** Node's codes for a certificate that does not check out. */
const CHAIN_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

/** What a TLS failure means and what to do, or undefined when the error is not about TLS. */
export function explainTlsError(err: unknown, loc: PgLocation): { what: string; hint: string } | undefined {
  const e = err as { code?: string; message?: string };
  const mode = sslModeOf(loc);
  const ca = loc.params["sslrootcert"];
  const caHint = "Name the CA that signed the server's certificate with sslrootcert=/path/to/ca.pem (for Aurora, the RDS CA bundle of its region: --ca-bundle or aurora.caBundle; https://truststore.pki.rds.amazonaws.com).";
  if (e.code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return {
      what: `the server's certificate is not for the host name "${loc.host}" (sslmode=verify-full checks it): ${e.message ?? ""}`,
      hint: "Connect with a host name the certificate names (for Aurora, the cluster endpoint, not an IP address or a tunnel's localhost), or use sslmode=verify-ca to check the CA only.",
    };
  }
  if (e.code && CHAIN_CODES.has(e.code)) {
    return {
      what: `the server's certificate is not signed by ${ca && ca !== "system" ? `a CA in ${ca}` : "a CA this machine trusts"} (sslmode=${mode}; ${e.code}).`,
      hint: caHint,
    };
  }
  if (e.code === "CERT_HAS_EXPIRED" || e.code === "CERT_NOT_YET_VALID") {
    return { what: `the server's certificate is not valid now (${e.code}).`, hint: "Renew the server's certificate (for Aurora: modify the cluster's CA to a current rds-ca-* one)." };
  }
  if (/does not support SSL/i.test(e.message ?? "")) {
    return {
      what: `the server does not accept TLS connections, and sslmode=${mode} requires TLS.`,
      hint: "Turn ssl on in the server's postgresql.conf, or use sslmode=prefer (TLS when offered) or sslmode=disable in the URL.",
    };
  }
  return undefined;
}
