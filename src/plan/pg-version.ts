/**
 * The PostgreSQL major of a server, from `server_version_num` (150004) or a version string
 * ("15.4", "9.6.24", "16beta1", an AWS EngineVersion such as "16.4" or MajorEngineVersion "16").
 * Before PostgreSQL 10 the major had two parts: 90624 and "9.6.24" are 9.6. Unreadable: 0.
 */
export function majorOf(version: number | string): number {
  if (typeof version === "number") {
    if (!Number.isFinite(version) || version <= 0) return 0;
    return version >= 100000 ? Math.floor(version / 10000) : Math.floor(version / 10000) + Math.floor((version % 10000) / 100) / 10;
  }
  const m = /^\s*(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return 0;
  const first = Number(m[1]);
  return first >= 10 || m[2] === undefined ? first : first + Number(m[2]) / 10;
}
