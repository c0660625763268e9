import { majorOf } from "./pg-version.js";

/**
 * Which Aurora PostgreSQL versions the target may run: the product rule is "major ≥ the
 * source's major" (ours, not AWS's). The proposed default is the newest minor of the lowest
 * such major: the smallest jump, so the fewest behaviour changes during a migration.
 */
export interface EngineVersionInfo {
  EngineVersion?: string | undefined;
  MajorEngineVersion?: string | undefined;
  Status?: string | undefined;
}

function parts(v: string): number[] {
  return v.split(".").map((p) => Number.parseInt(p, 10) || 0);
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function eligibleEngineVersions(versions: readonly EngineVersionInfo[], sourceMajor: number): { choices: string[]; proposed?: string } {
  const ok = versions
    .filter((v) => v.EngineVersion && (v.Status === undefined || v.Status === "available") && majorOf(v.MajorEngineVersion ?? v.EngineVersion ?? "") >= Math.floor(sourceMajor))
    .map((v) => v.EngineVersion as string);
  const choices = [...new Set(ok)].sort((a, b) => compareVersions(b, a));
  const lowestMajor = Math.min(...choices.map((c) => parts(c)[0] ?? 0));
  const proposed = choices.find((c) => parts(c)[0] === lowestMajor);
  return proposed === undefined ? { choices } : { choices, proposed };
}
