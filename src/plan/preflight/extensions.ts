import { readableName } from "../sql-text.js";
import { type PreflightCheck, listSome } from "./check.js";

/**
 * Extensions installed on the source that Aurora PostgreSQL does not offer. A short list of
 * well-known ones, NOT exhaustive: on the Aurora cluster, `SHOW rds.extensions;` lists what it
 * offers. Untrusted procedural languages are absent because Aurora gives no OS access.
 */
export const AURORA_MISSING_EXTENSIONS: Readonly<Record<string, string>> = {
  timescaledb: "not offered on Aurora PostgreSQL (Timescale's own service or self-managed only)",
  citus: "not offered on Aurora PostgreSQL",
  file_fdw: "reads server files; Aurora gives no file-system access",
  adminpack: "server file administration; not offered on Aurora",
  plpython3u: "untrusted language; not offered on Aurora",
  plpythonu: "untrusted language; not offered on Aurora",
  plperlu: "untrusted language; not offered on Aurora",
  pltclu: "untrusted language; not offered on Aurora",
  sepgsql: "SELinux labels; not offered on Aurora",
  pg_pathman: "not offered on Aurora; use native partitioning",
};

const unsupported: PreflightCheck = {
  id: "extensions.aurora_missing",
  title: "no extensions Aurora PostgreSQL lacks",
  run(facts) {
    const missing = facts.extensions.filter((e) => e.name in AURORA_MISSING_EXTENSIONS);
    if (missing.length === 0) return [];
    return [
      {
        check: this.id,
        severity: "warning",
        title: `${missing.length} extension(s) Aurora PostgreSQL does not offer: the schema load fails on them, and what uses them breaks`,
        found: listSome(missing, (e) => `${e.name} ${e.version}: ${AURORA_MISSING_EXTENSIONS[e.name]}`),
        fix:
          "Drop each one the application does not need, or plan a replacement before migrating:\n" +
          listSome(missing, (e) => `DROP EXTENSION ${readableName(e.name)};   -- fails while objects depend on it: check first`),
      },
    ];
  },
};

const installed: PreflightCheck = {
  id: "extensions.installed",
  title: "extensions listed",
  informational: true,
  run(facts) {
    const others = facts.extensions.filter((e) => e.name !== "plpgsql" && !(e.name in AURORA_MISSING_EXTENSIONS));
    if (others.length === 0) return [];
    const pglogical = others.some((e) => e.name === "pglogical");
    return [
      {
        check: this.id,
        severity: "info",
        title: `${others.length} other extension(s) installed: the target needs them too`,
        found: others.map((e) => `${e.name} ${e.version}`).join(", ") + (pglogical ? "\npglogical is installed: DMS will decode with it, which does not honour REPLICA IDENTITY FULL" : ""),
        fix: "Aurora offers most common extensions, but this list of known gaps is not exhaustive: on the Aurora cluster, SHOW rds.extensions; lists what it offers.",
      },
    ];
  },
};

export const extensionChecks: readonly PreflightCheck[] = [unsupported, installed];
