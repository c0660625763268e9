import { UsageError } from "../../core/errors.js";
import type { PgClient } from "./connect.js";
import { TOOL_SCHEMA } from "./marker.js";
import { SYSTEM_SCHEMA_SQL } from "./sql.js";

/** Every schema that holds user data: not the system's, not the tool's own. */
export async function listUserSchemas(client: PgClient): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_namespace n
      WHERE ${SYSTEM_SCHEMA_SQL} AND n.nspname <> $1
        -- an extension's own schema is not user data
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
      ORDER BY 1`,
    [TOOL_SCHEMA],
  );
  return rows.map((r) => r.nspname);
}

/**
 * The schemas asked for (a comma list, as `--schemas` takes it), else every user schema. A
 * name the database does not have is bad input (exit 2), named, with the schemas there are:
 * otherwise it would compare or sync nothing and look like success. `mayBeAbsent`: names
 * the caller ignores anyway (validate's machinery schemas), never an error.
 */
export async function resolveSchemas(client: PgClient, list: string | undefined, mayBeAbsent: readonly string[] = []): Promise<string[]> {
  if (list === undefined || list.trim() === "") return listUserSchemas(client);
  const asked = [...new Set(list.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
  const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", [asked]);
  const present = new Set(rows.map((r) => r.nspname));
  const missing = asked.filter((s) => !present.has(s) && !mayBeAbsent.includes(s));
  if (missing.length) {
    const there = await listUserSchemas(client);
    throw new UsageError(`--schemas names ${missing.length === 1 ? "a schema" : "schemas"} the source does not have: ${missing.map((m) => JSON.stringify(m)).join(", ")}.`, {
      hint: `Its schemas: ${there.join(", ") || "(none but the system's)"}. Names are matched exactly as the catalog stores them (case matters).`,
    });
  }
  return asked;
}
