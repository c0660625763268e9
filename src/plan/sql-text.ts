/**
 * The one place SQL text is quoted. Two ways, for two readers:
 * - SQL we send to a server: `quoteIdent`, `qualified` and `quoteLiteral` always quote, exactly
 *   as pg's escapeIdentifier/escapeLiteral do (test/unit/sql-text.test.ts holds them equal), so
 *   no keyword a newer server reserves can break a statement.
 * - Names a person reads (fixes, lists): `readableName` quotes only where PostgreSQL needs it,
 *   as the server's quote_ident() does, so `ALTER TABLE public."order" …` runs as printed.
 */

/** `"name"` with inner quotes doubled: any identifier, mixed case, spaces, keywords included. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** `"schema"."name"` (or more parts: `"schema"."table"."column"`), for SQL and messages alike. */
export const qualified = (...parts: readonly string[]): string => parts.map(quoteIdent).join(".");

/**
 * `'text'` with inner quotes doubled; with a backslash, `E'…'` with it doubled too, so the
 * literal means the same whatever standard_conforming_strings says.
 */
export function quoteLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes("\\") ? `E'${quoted.replace(/\\/g, "\\\\")}'` : `'${quoted}'`;
}

/**
 * Every keyword PostgreSQL does not accept as a bare name in some position (reserved, type or
 * function name, column name: `pg_get_keywords()` with catcode <> 'U', PostgreSQL 17; the unit
 * test compares it with the servers the tests run). Quoted as quote_ident() quotes them.
 */
const NON_BARE_KEYWORDS = new Set(
  (
    "all analyse analyze and any array as asc asymmetric authorization between bigint binary bit " +
    "boolean both case cast char character check coalesce collate collation column concurrently " +
    "constraint create cross current_catalog current_date current_role current_schema current_time " +
    "current_timestamp current_user dec decimal default deferrable desc distinct do else end except " +
    "exists extract false fetch float for foreign freeze from full grant greatest group grouping " +
    "having ilike in initially inner inout int integer intersect interval into is isnull join json " +
    "json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar " +
    "json_serialize json_table json_value lateral leading least left like limit localtime " +
    "localtimestamp merge_action national natural nchar none normalize not notnull null nullif " +
    "numeric offset on only or order out outer overlaps overlay placing position precision primary " +
    "real references returning right row select session_user setof similar smallint some substring " +
    "symmetric system_user table tablesample then time timestamp to trailing treat trim true union " +
    "unique user using values varchar variadic verbose when where window with xmlattributes " +
    "xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize " +
    "xmltable"
  ).split(" "),
);

/** One identifier as a person reads it: bare when quote_ident() would leave it bare (lower-case letters, digits, `_`; no keyword above), else quoted. */
function readablePart(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !NON_BARE_KEYWORDS.has(name) ? name : quoteIdent(name);
}

/** `public."order".total`: each part quoted only where needed, for text a person reads and may paste. */
export const readableName = (...parts: readonly string[]): string => parts.map(readablePart).join(".");


/** 1536 → "1.5 KiB": sizes in messages. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
