import { X509Certificate, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAwsError } from "../../adapters/aws/errors.js";
import type { AwsServices } from "../../adapters/aws/ports.js";
import { RESOURCE_KIND } from "../cleanup/kinds.js";
import { OperationError, errorMessage } from "../../core/errors.js";
import type { StepContext } from "../context.js";
import { findCertificate } from "./lookups.js";
import { readOutput } from "../outputs/read.js";
import { RES, goneError, recordResource, recorded } from "./resources.js";

/** The RDS CA bundle as read now: its text (sent to DMS as is) and how many certificates it holds. */
export interface CaBundle {
  path: string;
  pem: string;
  certificates: number;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads the bundle step 3 recorded; every certificate in it must parse (DMS takes PEM X.509 only). */
export function readCaBundle(path: string): CaBundle {
  const again = "Step 3 recorded this path (aurora.caBundle); the file is read again when the DMS target endpoint is made.";
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (err) {
    throw new OperationError(`Cannot read the RDS CA bundle ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}.`, {
      hint: `${again} Put the bundle back at that path (e.g. eu-west-1-bundle.pem from https://truststore.pki.rds.amazonaws.com), then resume.`,
      cause: err,
    });
  }
  const blocks = pem.match(PEM_BLOCK) ?? [];
  const bad = blocks.findIndex((b) => {
    try {
      new X509Certificate(b);
      return false;
    } catch {
      return true;
    }
  });
  if (blocks.length === 0 || bad >= 0) {
    throw new OperationError(`The RDS CA bundle ${path} ${blocks.length === 0 ? "holds no PEM certificate" : `holds a certificate that does not parse (number ${bad + 1} of ${blocks.length})`}.`, {
      hint: `${again} Replace it with the PEM bundle of Aurora's region from https://truststore.pki.rds.amazonaws.com, then resume.`,
    });
  }
  return { path, pem, certificates: blocks.length };
}

/**
 * The certificate's identifier: the migration's base name and a digest of the bundle, so a
 * run that stopped after the import finds it again, and another bundle is another certificate
 * (DMS cannot change a certificate's PEM). At most 45 + 12 characters.
 */
export function certificateIdentifier(base: string, pem: string): string {
  const digest = createHash("sha256").update(pem.replace(/\r\n/g, "\n").trim()).digest("hex").slice(0, 8);
  return `${base}-ca-${digest}`;
}

/** DMS refused the file as a certificate: what it holds, and what to give instead. */
function refused(err: unknown, bundle: CaBundle): OperationError {
  const size = Buffer.byteLength(bundle.pem, "utf8");
  return new OperationError(`DMS refused the RDS CA bundle ${bundle.path} (${bundle.certificates} certificates, ${size.toLocaleString("en-US")} bytes) as a certificate: ${errorMessage(err)}`, {
    hint:
      "DMS takes PEM X.509 CA certificates, a bundle of them included; its documentation names no size limit, but the bundle of Aurora's region " +
      "(<region>-bundle.pem from https://truststore.pki.rds.amazonaws.com) is far smaller than global-bundle.pem. " +
      `Replace the file at ${bundle.path} with it (step 3 recorded that path as aurora.caBundle), then resume.`,
    cause: err,
  });
}

/**
 * The DMS certificate the target endpoint verifies Aurora with (SslMode verify-full), when step
 * 3 recorded an RDS CA bundle; undefined otherwise. The recorded one when it is still this
 * bundle; else the one with this bundle's identifier (an import whose state write was lost);
 * else a new import. A certificate recorded for an earlier bundle stays recorded, under its
 * own key, so cleanup removes it once no endpoint uses it.
 */
export async function ensureTargetCertificate(ctx: StepContext, aws: AwsServices, base: string): Promise<{ id: string; arn: string } | undefined> {
  const path = readOutput(ctx, "aurora-cluster")?.caBundle;
  if (!path) return undefined;
  const bundle = readCaBundle(path);
  const id = certificateIdentifier(base, bundle.pem);
  const key = RES.targetCertificate;
  const rec = recorded(ctx, key);
  if (rec?.id === id) {
    const found = await findCertificate(aws, rec.arn ? { arn: rec.arn } : { id });
    if (!found?.CertificateArn) throw goneError("DMS certificate", id, key, ctx.options.statePath);
    return { id, arn: found.CertificateArn };
  }
  if (rec) {
    ctx.state.resources[`${key}:${rec.id}`] = rec;
    delete ctx.state.resources[key];
    await ctx.save();
  }
  const adopted = await findCertificate(aws, { id });
  let arn = adopted?.CertificateArn;
  if (arn) {
    ctx.reporter.info(`Found the DMS certificate ${id} from an earlier run that stopped before recording it; using it.`);
  } else {
    const out = await aws.dms
      .importCertificate({ CertificateIdentifier: id, CertificatePem: bundle.pem, Tags: [{ Key: "created-by", Value: "aurora-migrate" }] })
      .catch((err: unknown) => {
        throw isAwsError(err, "InvalidCertificateFault") ? refused(err, bundle) : err;
      });
    arn = out.Certificate?.CertificateArn ?? "?";
    ctx.reporter.success(`Imported the RDS CA bundle ${path} (${bundle.certificates} certificates) into DMS as ${id}: the target endpoint verifies Aurora's certificate and host name (verify-full).`);
  }
  await recordResource(ctx, key, { kind: RESOURCE_KIND.certificate, id, arn, createdByUs: true, caBundle: path });
  return { id, arn };
}
