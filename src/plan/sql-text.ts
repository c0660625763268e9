/** Pure helpers that write SQL text shown to users or sent to the server. */

/** "name" with embedded quotes doubled: a safe identifier. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Only quotes an identifier when PostgreSQL would need it, so fixes read naturally. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

/** schema.table, each part quoted only when needed. */
export const qualified = (schema: string, table: string): string => `${ident(schema)}.${ident(table)}`;

export const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

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
